"""The installed wheel serves from outside the repository: its own default fixtures, the
seed's Kakaclo refund answered, the dashboard with its templates and files, and its type
information shipped (mypy, run by this script's Python, checks a typed program against
the wheel installed in VENV).

    python .ci/wheel_check.py VENV    (VENV: an environment with only the wheel installed)
"""

import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

venv = Path(sys.argv[1]).resolve()
where = "import mockrefund, os; print(os.path.dirname(mockrefund.__file__))"
package = subprocess.run(
    [venv / "bin/python", "-c", where], capture_output=True, text=True, check=True, cwd="/"
).stdout.strip()
assert (Path(package) / "py.typed").is_file(), "the wheel has no py.typed"
assert not package.startswith(str(Path(__file__).resolve().parent.parent)), package

TYPED_PROGRAM = """
from mockrefund.client import Sandbox, Server


def first_token(url: str) -> str:
    with Server(url) as server:
        sandbox: Sandbox = server.create_sandbox(clock={"frozen": True})
        return sandbox.token("kakaclo")
"""
with tempfile.TemporaryDirectory() as folder:
    (Path(folder) / "program.py").write_text(TYPED_PROGRAM)
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--python-executable", str(venv / "bin/python"), "program.py"],
        cwd=folder, capture_output=True, text=True,
    )  # fmt: skip
    assert typed.returncode == 0, f"mypy on a program using the wheel:\n{typed.stdout}"

with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
with tempfile.TemporaryDirectory() as folder:
    server = subprocess.Popen(
        [venv / "bin/mockrefund", "serve", "--port", str(port), "--db", f"{folder}/wheel.db"],
        cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/__admin/health")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    sys.exit(
                        "the wheel's server did not start:\n" + server.communicate()[0].decode()
                    )
                time.sleep(0.1)
        request = urllib.request.Request(
            f"{base}/openapi/v2/order/orders/10001/refund",
            data=b"{}",
            headers={
                "Authorization": "Bearer kakaclo-test-token",
                "Content-Type": "application/json",
            },
        )
        answer = json.load(urllib.request.urlopen(request))
        assert answer["code"] == 10000, answer
        print(f"the wheel serves from {package}: {json.dumps(answer)}")
        # The dashboard's templates and static files travel in the wheel (htmx with its
        # licence): the page renders and its script is served.
        page = urllib.request.urlopen(f"{base}/__admin/ui/").read().decode()
        assert "<h1>Sandboxes</h1>" in page, page[:500]
        htmx = urllib.request.urlopen(f"{base}/__admin/ui/static/htmx.min.js").read()
        assert htmx.startswith(b"var htmx="), htmx[:100]
        assert (Path(package) / "dashboard/static/htmx.LICENSE").is_file()
        print("the wheel serves the dashboard and its files")
    finally:
        server.terminate()
        server.wait(10)
