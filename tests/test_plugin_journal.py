"""A failing test's report shows its sandbox's journal; a passing test's costs nothing."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpcore  # noqa: F401  (kept imported across pytester's runs: see test_plugin.py)
import pytest

from tests.e2e.server import Server, running_server

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.e2e

# A user's suite: a failing test that made a refund (with a long body), a passing one.
# Its conftest notes each read of a journal, so the outer test can tell who paid for one.
CONFTEST = """
import json
import os
from pathlib import Path

from mockrefund.client import Sandbox

READS = Path(os.environ["MOCKREFUND_TEST_READS"])
original = Sandbox.requests


def noted(self, **options):
    with READS.open("a") as reads:
        reads.write(json.dumps({"sandbox": self.id, **options}) + "\\n")
    return original(self, **options)


Sandbox.requests = noted
"""

SUITE = """
import httpx

ITEMS = {"orderItems": [{"itemId": "120001", "quantity": 1}], "note": "x" * 2000}


def kakaclo(sandbox):
    return httpx.Client(
        base_url=sandbox.base_url("kakaclo"),
        headers={"Authorization": f"Bearer {sandbox.token('kakaclo')}"},
    )


def test_fails_after_a_refund(mockrefund):
    with kakaclo(mockrefund) as api:
        for _ in range(3):
            api.get("/v2/order/orders/refund/10001", params={"page": 1})
        api.post("/v2/order/orders/10001/refund", json=ITEMS)
    print("sandbox", mockrefund.id)
    assert False, "the code under test got it wrong"


def test_passes(mockrefund):
    with kakaclo(mockrefund) as api:
        assert api.get("/v2/order/orders/refund/10001").status_code == 200
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("journal") / "journal.db") as process:
        yield process


@pytest.fixture
def reads(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    notes = pytester.path / "reads.jsonl"
    monkeypatch.setenv("MOCKREFUND_TEST_READS", str(notes))
    monkeypatch.delenv("MOCKREFUND_URL", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_suite=SUITE)
    return notes


def run(pytester: pytest.Pytester, server: Server, *args: str) -> pytest.RunResult:
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--mockrefund-url", server.url, *args, timeout=120
    )
    result.assert_outcomes(passed=1, failed=1)
    return result


def noted(reads: Path) -> list[dict[str, object]]:
    if not reads.exists():
        return []
    return [json.loads(line) for line in reads.read_text().splitlines()]


def test_a_failure_shows_the_journal_of_its_sandbox(
    pytester: pytest.Pytester, server: Server, reads: Path
) -> None:
    result = run(pytester, server, "--mockrefund-journal", "2")
    output = result.stdout.str()
    sandbox = output.split("sandbox sbx_", 1)[1].split()[0]
    result.stdout.fnmatch_lines(
        [
            "*Captured stdout call*",
            "sandbox sbx_*",
            "*- mockrefund journal -*",
            f"sandbox sbx_{sandbox}: the last 2 of 4 requests",
            "",
            f"#* GET /sandboxes/sbx_{sandbox}/openapi/v2/order/orders/refund/10001?page=1",
            "> authorization: Bearer ***",
            "< 200 in * ms",
            '< {"code":10000,"message":"success","data":{"total":0,*',
            "",
            f"#* POST /sandboxes/sbx_{sandbox}/openapi/v2/order/orders/10001/refund",
            "> authorization: Bearer ***",
            "> content-type: application/json",
            '> {"orderItems":*"note":"xxx*x… (1559 more characters)',  # 500 shown
            "< 200 in * ms",
            '< {"code":10000,"message":"ok","data":10002}',
            "*= short test summary info =*",
        ]
    )
    assert "kakaclo-test-token" not in output  # the token itself is never shown
    assert output.count("- mockrefund journal -") == 1  # the passing test has none
    # Only the failure read a journal, and only its own sandbox's.
    assert noted(reads) == [{"sandbox": f"sbx_{sandbox}", "limit": 2}]


def test_the_journal_is_left_out_with_0(
    pytester: pytest.Pytester, server: Server, reads: Path
) -> None:
    result = run(pytester, server, "--mockrefund-journal=0")
    assert "mockrefund journal" not in result.stdout.str()
    assert noted(reads) == []


def test_twenty_by_default(pytester: pytest.Pytester, server: Server, reads: Path) -> None:
    result = run(pytester, server)
    result.stdout.fnmatch_lines(["sandbox sbx_*: 4 requests"])
    assert [read["limit"] for read in noted(reads)] == [20]


def test_credentials_in_the_query_and_headers_are_masked() -> None:
    from mockrefund.testing_journal import describe

    text = describe(
        {
            "id": 7,
            "at": "2030-01-01T00:00:00Z",
            "method": "GET",
            "path": "/wp-json/wc/v3/orders/645",
            "query": "consumer_key=ck_1&consumer_secret=cs_2&oauth_signature=abc&page=2",
            "request_headers": {"host": "x", "Authorization": "Basic Y2s6Y3M=", "X-Api-Key": "k"},
            "request_body": "",
            "status": 401,
            "duration_ms": 1.5,
            "fault": 3,
            "response_body": "",
        }
    )
    assert text.splitlines() == [
        "#7 2030-01-01T00:00:00Z GET /wp-json/wc/v3/orders/645"
        "?consumer_key=***&consumer_secret=***&oauth_signature=***&page=2",
        "> Authorization: Basic ***",
        "> X-Api-Key: ***",
        "< 401 in 1.5 ms, answered by fault rule 3",
    ]
