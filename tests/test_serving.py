"""Serving: `--db` takes a file or a URL, a database that cannot be used is one line, and
`--workers N` runs N processes on one port over one database."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from mockrefund.cli import _parser, _settings, main
from mockrefund.config import Settings, is_in_memory
from mockrefund.database_problems import explain
from mockrefund.serving import environment, worker_settings
from tests.e2e.server import Server, running_server
from tests.platforms.kakaclo.conftest import AUTH

# A PostgreSQL server whose user may create databases: this machine's, unless told.
POSTGRES = os.environ.get(
    "MOCKREFUND_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REFUND = "/openapi/v2/order/orders/10001/refund"


def settings_of(*flags: str) -> Settings:
    settings: Settings = _settings(_parser().parse_args(["serve", *flags]))
    return settings


# -- --db: a file, :memory: or a URL ---------------------------------------------------


@pytest.mark.parametrize(
    ("db", "url"),
    [
        ("mockrefund.db", "sqlite:///mockrefund.db"),
        (":memory:", "sqlite://"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        ("postgresql+psycopg://u:p@db:5432/m", "postgresql+psycopg://u:p@db:5432/m"),
        ("postgresql://u:p@db:5432/m", "postgresql+psycopg://u:p@db:5432/m"),
        ("postgres://u@db/m", "postgresql+psycopg://u@db/m"),
    ],
)
def test_db_takes_a_file_memory_or_a_url(db: str, url: str) -> None:
    assert settings_of("--db", db).sqlalchemy_url() == url
    assert settings_of("--database-url", db).sqlalchemy_url() == url


def test_a_database_flag_wins_over_both_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKREFUND_DATABASE_URL", "postgresql://u@elsewhere/m")
    assert settings_of().sqlalchemy_url() == "postgresql+psycopg://u@elsewhere/m"
    assert settings_of("--db", "here.db").sqlalchemy_url() == "sqlite:///here.db"


def test_db_and_database_url_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--db", "a.db", "--database-url", "b.db"]) == 2
    assert "--db and --database-url are the same setting" in capsys.readouterr().err


def test_a_url_that_does_not_parse_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--db", "postgresql://u:secret@db:port/m"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mockrefund: setting db (flag or MOCKREFUND_DB): ")
    assert "not a database URL" in err
    assert err.count("\n") == 1


def test_serve_help_lists_workers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    assert "--workers N" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("url", "in_memory"),
    [
        ("sqlite://", True),
        ("sqlite:///:memory:", True),
        ("sqlite:///file:x?mode=memory&uri=true", True),
        ("sqlite:///x.db", False),
        ("postgresql+psycopg://u@h/m", False),
    ],
)
def test_which_databases_live_in_one_process(url: str, in_memory: bool) -> None:
    assert is_in_memory(url) is in_memory


# -- what the workers are given ------------------------------------------------------


def test_workers_rebuild_the_parents_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    parent = settings_of(
        "--db", "postgresql://u@db/m", "--reset", "--seed", "7", "--workers", "3",
        "--clock-scale", "60", "--settle-delay", "5-10", "--fixtures", str(tmp_path),
    )  # fmt: skip
    parent = parent.model_copy(update={"admin_token": "t0ken", "read_cache": False})
    for key in [key for key in os.environ if key.startswith("MOCKREFUND_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("MOCKREFUND_DATABASE_URL", "sqlite:///stale.db")
    for key, value in environment(worker_settings(parent)).items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)

    worker = Settings()
    assert worker == worker_settings(parent)
    assert worker.sqlalchemy_url() == "postgresql+psycopg://u@db/m"
    # The parent reset the database once; a worker resetting it would drop the others' data.
    assert worker.reset is False
    assert (worker.seed, worker.admin_token, worker.read_cache) == (7, "t0ken", False)


# -- a database that cannot be used: what to say ---------------------------------------


def test_a_missing_psycopg_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now fails
    assert main(["serve", "--port", "0", "--db", "postgresql://postgres@127.0.0.1:1/x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mockrefund: PostgreSQL needs the psycopg driver")
    assert "install mockrefund[postgres]" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("driver_says", "line"),
    [
        (
            'connection failed: connection to server at "h", port 5432 failed: Connection refused',
            "cannot reach PostgreSQL at postgresql+psycopg://u:***@h/m: Connection refused; start it",
        ),
        (
            'connection failed: connection to server at "h", port 5432 failed: FATAL:  password '
            'authentication failed for user "u"',
            'refused the login: password authentication failed for user "u"; fix the user or password',
        ),
        (
            "deadlock detected",
            "PostgreSQL at postgresql+psycopg://u:***@h/m failed while mockrefund prepared it: "
            "deadlock detected",
        ),
    ],
)
def test_what_postgresql_said_becomes_one_line(driver_says: str, line: str) -> None:
    error = OperationalError("SELECT 1", {}, Exception(driver_says))
    said = explain(error, "postgresql+psycopg://u:secret@h/m")
    assert said is not None
    assert line in said
    assert "secret" not in said


def test_bugs_are_not_dressed_up_as_database_problems() -> None:
    assert explain(ModuleNotFoundError("x", name="mockrefund.nothing"), "sqlite://") is None
    assert explain(IntegrityError("INSERT", {}, Exception("dup")), "sqlite://") is None


# -- the real command --------------------------------------------------------------------


def serve(*flags: str) -> subprocess.CompletedProcess[str]:
    """`mockrefund serve` that is expected to stop by itself (a refused start)."""
    return subprocess.run(
        [sys.executable, "-m", "mockrefund", "serve", "--port", "0", *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("mockrefund: ")
    for word in words:
        assert word in result.stderr


def test_a_sqlite_file_in_a_missing_folder_is_one_line() -> None:
    assert_one_line(
        serve("--db", "/nonexistent/dir/x.db"), "the folder /nonexistent/dir does not exist"
    )


def test_postgresql_that_does_not_answer_is_one_line() -> None:
    # Port 1: nothing listens there, so the connection is refused at once.
    assert_one_line(
        serve("--db", "postgresql://postgres@127.0.0.1:1/x"),
        "cannot reach PostgreSQL at postgresql+psycopg://postgres@127.0.0.1:1/x",
        "--db",
    )


def test_a_password_is_not_printed() -> None:
    result = serve("--db", "postgresql://postgres:s3cret@127.0.0.1:1/x")
    assert_one_line(result, "postgres:***@")
    assert "s3cret" not in result.stderr


def test_workers_refuse_a_database_in_memory() -> None:
    assert_one_line(serve("--workers", "2", "--db", ":memory:"), "--workers 2", ":memory:")


def test_a_postgresql_database_that_does_not_exist_is_one_line() -> None:
    url = POSTGRES.rsplit("/", 1)[0] + "/mockrefund_no_such_database"
    assert_one_line(
        serve("--db", url), 'database "mockrefund_no_such_database" does not exist', "createdb"
    )


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux's /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def assert_refunds(server: Server) -> None:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as http:
        created = http.post(REFUND, json={})
        assert created.json() == {"code": 10000, "message": "ok", "data": 10002}
        listed = http.get("/openapi/v2/order/orders/refund/10001").json()["data"]["list"]
        assert [refund["refundNo"] for refund in listed] == ["10002"]


@pytest.mark.e2e
def test_two_workers_serve_one_sqlite_file(tmp_path: Path) -> None:
    with running_server(tmp_path / "w.db", "--workers", "2", timeout=60) as server:
        assert len(children(server.process.pid)) >= 2
        assert_refunds(server)


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    name = f"mockrefund_serving_{uuid.uuid4().hex[:12]}"
    admin = POSTGRES.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    try:
        yield admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.e2e
def test_postgresql_url_is_served_through_psycopg(tmp_path: Path, postgres_database: str) -> None:
    assert postgres_database.startswith("postgresql://")
    log = tmp_path / "server.log"
    with running_server(postgres_database, "--workers", "2", log=log, timeout=60) as server:
        assert_refunds(server)
