"""Server processes that share one database, as replicas behind a load balancer do.

A `Database` is what `mockrefund serve --db` is given: a SQLite file or a PostgreSQL URL.
A `Server` is one process on a free port, started in two steps (`launch`, then
`wait_ready`) so that several can be started at the same moment. A `Pair` is two of them
on one database, and `Pair.next()` hands out one, then the other.
"""

import itertools
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

from tests.e2e.server import free_port

POSTGRES_ADMIN_URL = os.environ.get(
    "MOCKREFUND_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# A fast background sweep, so that both processes settle refunds of the same sandboxes
# at the same time as the requests of a test: one more way for them to meet.
SETTLE_INTERVAL = "0.1"
READY_TIMEOUT = 30.0
LOG_TAIL_LINES = 120


@dataclass(frozen=True)
class Database:
    backend: str  # "postgres" or "sqlite"
    url: str  # what `mockrefund serve --db` takes

    def __str__(self) -> str:
        return f"{self.backend} {self.url}"


# Makes a new, empty database of a backend ("postgres" or "sqlite").
NewDatabase = Callable[[str], Database]


class PostgresUnreachable(RuntimeError):
    pass


class PostgresDatabases:
    """Fresh, empty databases on the PostgreSQL server of the tests; `drop_all` removes
    every one made, whoever is still connected to it."""

    def __init__(self, admin_url: str = POSTGRES_ADMIN_URL) -> None:
        # psycopg reads plain libpq URLs: a SQLAlchemy driver suffix is dropped.
        self.admin_url = make_url(admin_url).set(drivername="postgresql")
        conninfo = self.admin_url.render_as_string(hide_password=False)
        try:
            self.admin = psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as error:
            reason = " ".join(str(error).split())  # libpq's message spans lines
            raise PostgresUnreachable(
                f"PostgreSQL is not reachable at {self.admin_url!r} ({reason}). The replica "
                "tests need one: start it, or set MOCKREFUND_TEST_POSTGRES to the URL of a "
                "server where this user may create databases."
            ) from None
        self.names: list[str] = []

    def new(self) -> Database:
        name = f"mockrefund_replicas_{secrets.token_hex(6)}"
        self.admin.execute(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        url = self.admin_url.set(drivername="postgresql+psycopg", database=name)
        return Database("postgres", url.render_as_string(hide_password=False))

    def drop_all(self) -> None:
        for name in self.names:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.names.clear()
        self.admin.close()


class Server:
    """One `mockrefund serve` process on `database`, its output in `logs/NAME.log`."""

    # Every server a test session started, so that a failing test can show their logs.
    started: list["Server"] = []

    def __init__(self, name: str, database: Database, logs: Path) -> None:
        self.name = name
        self.database = database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        logs.mkdir(parents=True, exist_ok=True)
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(base_url=self.url, timeout=60)

    def __repr__(self) -> str:
        return f"Server({self.name} {self.url})"

    # -- life --------------------------------------------------------------------------

    def launch(self) -> None:
        """Start the process without waiting for it (see `wait_ready`). The port stays the
        same over restarts, as a replica's address does."""
        with self.log_path.open("ab") as log:
            log.write(f"--- launch {self.name} on port {self.port}: {self.database}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mockrefund", "serve", "--port", str(self.port),
                 "--db", self.database.url, "--log-level", "warning"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1",
                     "MOCKREFUND_SETTLE_INTERVAL": SETTLE_INTERVAL},
            )  # fmt: skip
        if self not in Server.started:
            Server.started.append(self)

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Poll the health check until it answers; polling for readiness, not for time in
        a test, which the mock's clock gives."""
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"server {self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                if httpx.get(f"{self.url}/__admin/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.02)
        raise AssertionError(
            f"server {self.name} did not answer within {timeout} s:\n{self.log_tail()}"
        )

    def start(self) -> "Server":
        self.launch()
        self.wait_ready()
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no last commit; what a crash or an OOM kill does."""
        if self.alive:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def close(self) -> None:
        self.stop()
        self.http.close()

    # -- what it said --------------------------------------------------------------------

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_tail(self, since: int = 0, lines: int = LOG_TAIL_LINES) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


class Pair:
    """Two servers on one database; `next()` gives A, then B, then A again..."""

    def __init__(self, database: Database, logs: Path, names: tuple[str, str] = ("A", "B")):
        self.database = database
        self.a = Server(names[0], database, logs)
        self.b = Server(names[1], database, logs)
        self._turns = itertools.cycle(self.servers)

    @property
    def servers(self) -> tuple[Server, Server]:
        return (self.a, self.b)

    def next(self) -> Server:
        return next(self._turns)

    def other(self, server: Server) -> Server:
        return self.b if server is self.a else self.a

    def alternating(self, count: int) -> Iterator[Server]:
        """A, B, A, B, ... `count` servers, always from A."""
        return itertools.islice(itertools.cycle(self.servers), count)

    def start(self) -> "Pair":
        """Both processes are started before either is waited for: they meet the database
        at the same moment."""
        try:
            for server in self.servers:
                server.launch()
            for server in self.servers:
                server.wait_ready()
        except BaseException:
            self.close()  # never leave a half-started pair behind
            raise
        return self

    def close(self) -> None:
        for server in self.servers:
            server.close()
