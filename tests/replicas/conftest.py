"""Two server processes on one database, once on PostgreSQL and once on a SQLite file.

The pair is started once per backend for the whole session; each test makes its own
sandboxes, which keeps the tests apart as fresh servers would, for milliseconds each.
Tests that start, restart or kill processes start their own, on the same database or on
a new one (`new_database`).
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.replicas.apis import Sandbox, create_sandbox, delete_sandbox
from tests.replicas.servers import (
    Database,
    NewDatabase,
    Pair,
    PostgresDatabases,
    PostgresUnreachable,
    Server,
)

BACKENDS = ["postgres", "sqlite"]
LOG_MARKS = pytest.StashKey[dict[Server, int]]()


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    problem = None
    try:
        databases = PostgresDatabases()
    except PostgresUnreachable as unreachable:
        problem = str(unreachable)
    if problem is not None:  # failed outside the except: one message, not a chain of two
        pytest.fail(problem, pytrace=False)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def new_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> NewDatabase:
    """A new, empty database of a backend (PostgreSQL is asked for only when used)."""

    def make(backend: str) -> Database:
        if backend == "postgres":
            databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
            return databases.new()
        return Database("sqlite", str(tmp_path_factory.mktemp("sqlite") / "replicas.db"))

    return make


@pytest.fixture(scope="session", params=BACKENDS, ids=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def database(backend: str, new_database: NewDatabase) -> Database:
    """The session's database of each backend, shared by its pair and the tests that start
    servers of their own beside it."""
    return new_database(backend)


@pytest.fixture(scope="session")
def pair(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    logs = tmp_path_factory.mktemp(f"logs-{database.backend}")
    started = Pair(database, logs).start()
    yield started
    started.close()


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    """Where the servers a test starts itself write their output."""
    return tmp_path / "logs"


@pytest.fixture
def sandbox(pair: Pair) -> Iterator[Sandbox]:
    """A sandbox made through A, frozen at 2030-01-01; removed through B afterwards."""
    made = create_sandbox(pair.a)
    yield made
    delete_sandbox(pair.b, made)


# -- what a failing test shows ----------------------------------------------------------


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Where each server's log stood when the test began: a failure shows what came after.
    item.stash[LOG_MARKS] = {server: server.log_size() for server in Server.started}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.failed:
        return
    marks = item.stash.get(LOG_MARKS, {})
    for server in Server.started:
        tail = server.log_tail(since=marks.get(server, 0))
        if tail.strip():
            title = f"log of server {server.name} ({server.database.backend}, {server.url})"
            report.sections.append((title, tail))
