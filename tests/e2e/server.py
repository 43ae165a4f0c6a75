"""Start the real server process on a free port and wait until it answers."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`mockrefund serve` on a free port, ready once its health check answers. `db` is a
    SQLite file (its log goes beside it) or a database URL (give `log` then)."""

    def __init__(
        self,
        db: Path | str,
        *extra: str,
        port: int | None = None,
        log: Path | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if log is None:
            assert isinstance(db, Path), "a database URL needs a log file"
            log = db.with_suffix(".log")
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockrefund", "serve", "--port", str(self.port),
             "--db", str(db), "--log-level", "warning", *extra],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()  # never leave a half-started server behind
            raise

    def _wait_ready(self, timeout: float) -> None:
        # Polling for readiness, not for a refund's time: the mock's clock drives those.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see its log")
            try:
                if httpx.get(f"{self.url}/__admin/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.02)
        raise RuntimeError("server did not answer in time")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@contextmanager
def running_server(db: Path | str, *extra: str, **options: Any) -> Iterator[Server]:
    server = Server(db, *extra, **options)
    try:
        yield server
    finally:
        server.stop()
