"""Start the three servers the benchmark compares, and read what they used.

Each is started as the process that serves (no shell or launcher in between), so its
start time and its peak memory are its own.
"""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from data import Request

BENCH = Path(__file__).resolve().parent
WIREMOCK_JARS = BENCH / ".wiremock" / "node_modules" / "wiremock" / "build"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def path_regex(template: str) -> str:
    # One regex for Python (the bare app) and Java (WireMock): both read `\/`, `\.`, `\-`
    # and `[0-9]{7}` alike.
    return re.escape(template).replace(re.escape("{i}"), "[0-9]{7}")


class Server:
    """A running server: its process, its URL, and when it was started."""

    def __init__(self, name: str, command: list[str], env: dict[str, str] | None = None):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [part.replace("{port}", str(self.port)) for part in command]
        # Its log goes to a file, not a pipe: nobody reads a pipe while the load runs,
        # and a server whose log fills the pipe's buffer stops answering.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=self.log, env=env
        )

    def first_answer(self, probe: Request, limit: float = 600) -> float:
        """Seconds from process start until `probe` is answered (any HTTP status but 503
        counts: the server is up and routing; a 503 is a server still starting)."""
        request = urllib.request.Request(
            self.url + probe.path, method=probe.method, headers=probe.headers
        )
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5):
                    return time.perf_counter() - self.started
            except urllib.error.HTTPError as error:
                if error.code != 503:
                    return time.perf_counter() - self.started
                self._wait(limit)
            except OSError:
                self._wait(limit)

    def _wait(self, limit: float) -> None:
        """A moment before the next try; or stop, when the process has exited or `limit`
        seconds have passed since it started."""
        if self.process.poll() is not None:
            self.log.seek(0)
            error = self.log.read().decode(errors="replace")
            sys.exit(f"{self.name} exited before answering:\n{error}")
        if time.perf_counter() - self.started > limit:
            self.stop()
            sys.exit(f"{self.name} did not answer within {limit:.0f} s")
        time.sleep(0.005)

    def cpu_seconds(self) -> dict[int, float]:
        """CPU time used so far by the process and by each of its children (the workers
        of `serve --workers N`), by process id."""
        used = {}
        for pid in [self.process.pid, *children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            # utime and stime, the 14th and 15th fields, in clock ticks.
            used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return used

    def wait_idle(self, quiet: float = 0.25, busy: float = 0.05, limit: float = 15) -> float:
        """Wait until the server has used less than `busy` of a CPU for `quiet` seconds
        (at most `limit` seconds); returns how long it took. A run at 32 connections
        leaves requests in flight when wrk stops: the server goes on answering them for a
        while, and a 1-connection run started at once would time its first requests
        behind that backlog, not the server's own latency."""
        started = time.perf_counter()
        before = sum(self.cpu_seconds().values())
        while time.perf_counter() - started < limit:
            time.sleep(quiet)
            now = sum(self.cpu_seconds().values())
            if now - before < busy * quiet:
                break
            before = now
        return time.perf_counter() - started

    def peak_rss_mib(self) -> float:
        """The process's peak resident memory so far (the kernel's VmHWM)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))
        return kib / 1024

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent == pid:
            found.append(int(stat.parent.name))
    return found


def mockrefund(
    db: Path | str, fixtures: Path | None = None, read_cache: bool = True, workers: int = 1
) -> Server:
    """`mockrefund serve` on a SQLite file (a Path) or a database URL (a str)."""
    command = [sys.executable, "-m", "mockrefund", "serve", "--port", "{port}", "--db", str(db),
               "--log-level", "warning"]  # fmt: skip
    if fixtures is not None:
        command += ["--fixtures", str(fixtures)]
    if workers > 1:
        command += ["--workers", str(workers)]
    env = os.environ | {"MOCKREFUND_READ_CACHE": "true" if read_cache else "false"}
    return Server("mockrefund", command, env=env)


def wiremock(java: str, jar: Path, root: Path) -> Server:
    # The request journal is off: WireMock's own advice for load, and it keeps WireMock's
    # memory flat (leaving it on would flatter our memory ratio).
    return Server("WireMock", [java, "-jar", str(jar), "--port", "{port}",
                               "--bind-address", "127.0.0.1", "--root-dir", str(root),
                               "--no-request-journal", "--disable-banner"])  # fmt: skip


def bare(canned: Path) -> Server:
    return Server(
        "bare ASGI",
        [sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH), "bare_app:app",
         "--port", "{port}", "--loop", "uvloop", "--http", "httptools", "--lifespan", "off",
         "--log-level", "warning", "--no-access-log"],
        env=os.environ | {"BENCH_CANNED": str(canned)},
    )  # fmt: skip


def floor(orders: int, db: Path) -> Server:
    """The minimal stateful app (bench/floor_app.py) on its own database of `orders`."""
    return Server(
        "floor",
        [sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH), "floor_app:app",
         "--port", "{port}", "--loop", "uvloop", "--http", "httptools", "--lifespan", "off",
         "--log-level", "warning", "--no-access-log"],
        env=os.environ | {"BENCH_ORDERS": str(orders), "BENCH_FLOOR_DB": str(db)},
    )  # fmt: skip


def write_canned(answers: list[dict], folder: Path) -> tuple[Path, Path]:
    """Write the captured answers for the bare app (a JSON list) and as WireMock stub
    mappings (root/mappings/*.json); return (canned file, WireMock root)."""
    canned = folder / "canned.json"
    canned.write_text(json.dumps(answers))
    mappings = folder / "wiremock" / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    for number, answer in enumerate(answers):
        stub = {
            "request": {"method": answer["method"], "urlPathPattern": answer["path"]},
            "response": {
                "status": answer["status"],
                "headers": answer["headers"],
                "body": answer["body"],
            },
        }
        (mappings / f"{number}.json").write_text(json.dumps(stub))
    return canned, folder / "wiremock"
