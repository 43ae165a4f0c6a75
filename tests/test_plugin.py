"""The pytest plugin, as a user's test suite meets it: found by its entry point, a sandbox
per test, plainly and under pytest-xdist, with a server of its own or a shared one."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpcore  # noqa: F401  (see below)
import httpx
import pytest

from mockrefund.client import Server
from tests.e2e.server import free_port, running_server

pytest_plugins = ["pytester"]
# pytester takes modules first imported during a test out of sys.modules again afterwards.
# httpx imports httpcore at its first request and keeps a map of httpcore's exceptions; were
# httpcore imported inside a test, later requests would raise a fresh httpcore's exceptions
# that the old map does not know. Imported here, it stays.
pytestmark = pytest.mark.e2e

# A user's suite. Every test makes the same Kakaclo refund and records what it got; a
# session fixture records, just before the server goes away, which sandboxes are left.
SUITE = """
import json
import os
from pathlib import Path

import httpx
import pytest

RECORDS = Path(os.environ["MOCKREFUND_TEST_RECORDS"])
ITEMS = {"orderItems": [{"itemId": "120001", "quantity": 1}]}


def record(kind, **values):
    name = f"{kind}-{os.getpid()}-{len(list(RECORDS.iterdir()))}-{os.urandom(4).hex()}.json"
    (RECORDS / name).write_text(json.dumps({"pid": os.getpid(), **values}))


@pytest.fixture(scope="session", autouse=True)
def leftovers(mockrefund_server):
    yield
    left = [sandbox.id for sandbox in mockrefund_server.sandboxes()]
    record("session", url=mockrefund_server.url, left=left)


@pytest.mark.parametrize("n", range(4))
def test_the_same_refund(mockrefund, n):
    with httpx.Client(
        base_url=mockrefund.base_url("kakaclo"),
        headers={"Authorization": f"Bearer {mockrefund.token('kakaclo')}"},
    ) as api:
        answer = api.post("/v2/order/orders/10001/refund", json=ITEMS).json()
    record("refund", sandbox=mockrefund.id, data=answer["data"])
    assert answer["data"] == 10002


@pytest.mark.mockrefund(seed=3, clock={"at": "2030-01-01T00:00:00Z", "frozen": True})
def test_the_marker_sets_the_sandbox(mockrefund):
    assert mockrefund.description["seed"] == 3
    assert mockrefund.clock.now().isoformat() == "2030-01-01T00:00:00+00:00"
    assert mockrefund.clock.advance(3600).now.hour == 1
"""


@pytest.fixture
def records(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = pytester.mkdir("records")
    monkeypatch.setenv("MOCKREFUND_TEST_RECORDS", str(folder))
    monkeypatch.delenv("MOCKREFUND_URL", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.makepyfile(test_suite=SUITE)
    return folder


def read(records: Path, kind: str) -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(records.glob(f"{kind}-*.json"))]


def check_isolated_and_cleaned_up(records: Path) -> list[dict[str, Any]]:
    refunds = read(records, "refund")
    assert [refund["data"] for refund in refunds] == [10002] * 4
    assert len({refund["sandbox"] for refund in refunds}) == 4
    return refunds


def assert_stopped(url: str) -> None:
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/__admin/health", timeout=2)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("shared") / "shared.db"
    with running_server(db) as process, Server(process.url) as client:
        yield client


def test_a_suite_with_its_own_server(pytester: pytest.Pytester, records: Path) -> None:
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=5)
    check_isolated_and_cleaned_up(records)
    [session] = read(records, "session")
    assert session["left"] == ["default"]  # every test's sandbox was deleted
    assert_stopped(session["url"])  # and the server went with the session


def test_a_suite_under_xdist(pytester: pytest.Pytester, records: Path) -> None:
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", timeout=120)
    result.assert_outcomes(passed=5)
    refunds = check_isolated_and_cleaned_up(records)
    assert len({refund["pid"] for refund in refunds}) == 2  # both workers ran tests
    sessions = read(records, "session")
    assert len(sessions) == 2  # one server per worker
    assert len({session["url"] for session in sessions}) == 2
    for session in sessions:
        assert session["left"] == ["default"]
        assert_stopped(session["url"])


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_suite_under_xdist_on_a_shared_server(
    pytester: pytest.Pytester,
    records: Path,
    shared: Server,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    if how == "option":
        args = ["--mockrefund-url", shared.url]
    else:
        monkeypatch.setenv("MOCKREFUND_URL", shared.url)
        args = []
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", *args, timeout=120)
    result.assert_outcomes(passed=5)
    check_isolated_and_cleaned_up(records)
    assert {session["url"] for session in read(records, "session")} == {shared.url}
    assert [sandbox.id for sandbox in shared.sandboxes()] == ["default"]
    shared.health()  # a shared server is not ours to stop


def test_a_shared_server_that_is_not_there(pytester: pytest.Pytester, records: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--mockrefund-url", url, timeout=120
    )
    result.assert_outcomes(errors=5)
    result.stdout.fnmatch_lines(
        [f"*mockrefund server at {url} (--mockrefund-url or MOCKREFUND_URL)*"]
    )


def test_a_suite_that_does_not_use_it_pays_nothing(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.makepyfile(
        test_plain="""
        import sys

        def test_plain(request):
            assert request.config.pluginmanager.has_plugin("mockrefund")
            assert "mockrefund.client" not in sys.modules
            assert "httpx" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=60)
    result.assert_outcomes(passed=1)
