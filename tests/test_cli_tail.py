"""`mockrefund tail` as a process against the real server: a line per request as it
happens, JSON on demand, a clean Ctrl-C, a reconnect that misses nothing."""

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.e2e.server import Server, running_server

pytestmark = pytest.mark.e2e
ITEMS = {"orderItems": [{"itemId": "120001", "quantity": 1}]}
TOKEN = {"Authorization": "Bearer kakaclo-test-token"}
# What waiting for a line may take at most before the test fails (the tail prints at
# once; this only keeps a broken tail from hanging the suite).
PATIENCE = 20.0


class Tail:
    """`mockrefund tail ...` running, its output read line by line as it comes."""

    def __init__(self, *argv: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockrefund", "tail", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            # Ctrl-C as at a terminal, even when this suite runs where SIGINT is ignored
            # (a background job of a shell): Python keeps an ignored SIGINT ignored.
            preexec_fn=_default_sigint,
        )
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self.out = self._reader(self.process.stdout)
        self.err = self._reader(self.process.stderr)

    @staticmethod
    def _reader(pipe: IO[str]) -> "queue.Queue[str]":
        lines: queue.Queue[str] = queue.Queue()

        def read() -> None:
            for text in pipe:
                lines.put(text.rstrip("\n"))

        threading.Thread(target=read, daemon=True).start()
        return lines

    def line(self, lines: "queue.Queue[str] | None" = None) -> str:
        return (lines or self.out).get(timeout=PATIENCE)

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=PATIENCE)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=PATIENCE)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def tails() -> Iterator[list[Tail]]:
    started: list[Tail] = []
    yield started
    for tail in started:
        tail.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("tail") / "tail.db") as process:
        yield process


def test_a_line_per_request_made_after_it_started(server: Server, tails: list[Tail]) -> None:
    sandbox = httpx.post(f"{server.url}/__admin/sandboxes").json()
    tail = Tail("--url", server.url, "--sandbox", sandbox["id"])
    tails.append(tail)
    assert tail.line(tail.err) == (
        f"mockrefund: following sandbox {sandbox['id']} at {server.url} (Ctrl-C to stop)"
    )
    base = sandbox["base_urls"]["kakaclo"]
    httpx.post(f"{base}/v2/order/orders/10001/refund", json=ITEMS, headers=TOKEN)
    httpx.get(f"{base}/v2/order/orders/refund/10001?page=1", headers=TOKEN)
    path = f"/sandboxes/{sandbox['id']}/openapi/v2/order/orders"
    assert re.fullmatch(
        rf"\d\d:\d\d:\d\d\.\d\d\d POST   {path}/10001/refund 200 \d+\.\d ms", tail.line()
    )
    assert re.fullmatch(
        rf"\d\d:\d\d:\d\d\.\d\d\d GET    {path}/refund/10001\?page=1 200 \d+\.\d ms",
        tail.line(),
    )
    # Ctrl-C: a quiet exit, no traceback.
    assert tail.interrupt() == 130
    assert tail.process.stderr is not None
    assert "Traceback" not in "".join(tail.err.queue)


def test_json_lines_and_a_fault_named(server: Server, tails: list[Tail]) -> None:
    sandbox = httpx.post(f"{server.url}/__admin/sandboxes").json()
    admin = sandbox["admin_url"]
    rule = httpx.post(f"{admin}/faults", json={"status": 503, "times": 1}).json()
    json_tail = Tail("--url", server.url, "--sandbox", sandbox["id"], "--json")
    text_tail = Tail("--url", server.url, "--all")
    tails += [json_tail, text_tail]
    json_tail.line(json_tail.err)
    text_tail.line(text_tail.err)
    httpx.get(f"{sandbox['base_urls']['kakaclo']}/v2/order/orders/refund/10001", headers=TOKEN)
    [entry] = httpx.get(f"{admin}/requests").json()["requests"]
    assert json.loads(json_tail.line()) == entry
    assert entry["status"] == 503
    assert text_tail.line().endswith(f" 503 {entry['duration_ms']:.1f} ms fault {rule['id']}")


def test_it_reconnects_after_a_restart_and_misses_nothing(
    tmp_path: Path, tails: list[Tail]
) -> None:
    db = tmp_path / "restart.db"
    first = Server(db)
    try:
        tail = Tail("--url", first.url)
        tails.append(tail)
        tail.line(tail.err)
        httpx.get(f"{first.url}/openapi/v2/order/orders/refund/10001", headers=TOKEN)
        assert " GET " in tail.line()
    finally:
        first.stop()
    with running_server(db, port=first.port) as again:
        # Made before the tail is back: it asks for what came after the last it saw.
        httpx.post(f"{again.url}/openapi/v2/order/orders/10001/refund", json=ITEMS, headers=TOKEN)
        assert " POST " in tail.line()
        assert tail.line(tail.err).startswith("mockrefund: reconnected to the default sandbox")
        httpx.get(f"{again.url}/openapi/v2/order/orders/refund/10001", headers=TOKEN)
        assert " GET " in tail.line()


def test_no_server_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockrefund", "tail", "--url", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("mockrefund: no mockrefund server answers at http://127.0.0.1:9")
    assert len(done.stderr.splitlines()) == 1


def test_the_admin_token_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tails: list[Tail]
) -> None:
    monkeypatch.setenv("MOCKREFUND_ADMIN_TOKEN", "team-secret")
    with running_server(tmp_path / "token.db") as server:
        monkeypatch.delenv("MOCKREFUND_ADMIN_TOKEN")
        refused = subprocess.run(
            [sys.executable, "-m", "mockrefund", "tail", "--url", server.url],
            capture_output=True,
            text=True,
            timeout=PATIENCE,
        )
        assert refused.returncode == 2
        assert refused.stderr.startswith(f"mockrefund: the server at {server.url}/__admin/")
        assert "answered 401: this control plane needs its admin token" in refused.stderr
        tail = Tail("--url", server.url, env={"MOCKREFUND_ADMIN_TOKEN": "team-secret"})
        tails.append(tail)
        assert tail.line(tail.err).startswith("mockrefund: following the default sandbox")
        httpx.get(f"{server.url}/openapi/v2/order/orders/refund/10001", headers=TOKEN)
        assert " GET " in tail.line()
