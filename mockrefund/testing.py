"""The pytest plugin: a real mockrefund server for the session, a fresh sandbox per test.

Installing mockrefund is enough; pytest finds this plugin by its entry point. A test asks
for the `mockrefund` fixture and gets a `mockrefund.client.Sandbox` of its own, deleted
after the test, so tests never see each other's data, clock or journal, in any order and
under pytest-xdist::

    # test_refunds.py
    from datetime import timedelta

    import httpx
    import pytest

    from mockrefund.client import Sandbox

    ITEMS = {"orderItems": [{"itemId": "120001", "quantity": 1}]}


    def kakaclo(sandbox: Sandbox) -> httpx.Client:
        return httpx.Client(
            base_url=sandbox.base_url("kakaclo"),
            headers={"Authorization": f"Bearer {sandbox.token('kakaclo')}"},
        )


    def test_a_refund_settles_within_a_day(mockrefund: Sandbox) -> None:
        api = kakaclo(mockrefund)
        assert api.post("/v2/order/orders/10001/refund", json=ITEMS).json()["data"] == 10002
        mockrefund.clock.advance(timedelta(days=1))   # mock time, not sleep
        refunds = api.get("/v2/order/orders/refund/10001").json()["data"]["list"]
        assert refunds[0]["refundStatus"] == "refund_successfully"


    @pytest.mark.mockrefund(seed=3, clock={"at": "2030-01-01T00:00:00Z", "frozen": True})
    def test_with_a_seed_and_a_frozen_clock(mockrefund: Sandbox) -> None:
        assert mockrefund.clock.now().year == 2030

Which server:

- `--mockrefund-url URL` (or the `MOCKREFUND_URL` environment variable) uses a server that
  is already running, e.g. a service container in CI;
- otherwise the first test that needs one starts `python -m mockrefund serve` on a free port
  with a temporary database, and the session stops it at the end.

Fixtures:

- `mockrefund` (function): a new `Sandbox`, deleted afterwards. The marker
  `@pytest.mark.mockrefund(fixtures=..., seed=..., clock=...)` sets how it is made (the
  arguments of `Server.create_sandbox`).
- `mockrefund_server` (session): the `mockrefund.client.Server`, for tests that want to
  make sandboxes themselves or use the default one.

A failing test that used the `mockrefund` fixture shows its sandbox's journal in its
report, under "mockrefund journal": the newest requests the code under test sent and the
answers it got (headers that carry secrets masked, bodies cut short), read before the
sandbox is deleted. `--mockrefund-journal N` shows the newest N (default 20); 0 shows
none. A passing test costs nothing more: the journal is read only for a failure.

A test suite that uses neither fixture pays nothing: no server is started and not even the
HTTP client is imported.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mockrefund.client import Sandbox, Server

URL_ENV = "MOCKREFUND_URL"
# The sandbox of the test that asked for one, while it lives.
SANDBOX_KEY = pytest.StashKey["Sandbox"]()
JOURNAL_ENTRIES = 20
START_TIMEOUT = 30.0
# Settings of the user's environment that would send the server we start elsewhere.
_NOT_INHERITED = ("MOCKREFUND_DATABASE_URL", "MOCKREFUND_HOST", "MOCKREFUND_RESET")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockrefund", "mockrefund sandbox server")
    group.addoption(
        "--mockrefund-url",
        dest="mockrefund_url",
        default=None,
        metavar="URL",
        help=f"use the mockrefund server at URL (also ${URL_ENV}) instead of starting one",
    )
    group.addoption(
        "--mockrefund-journal",
        dest="mockrefund_journal",
        type=int,
        default=JOURNAL_ENTRIES,
        metavar="N",
        help="a failing test's report shows the newest N requests of its sandbox "
        f"(default {JOURNAL_ENTRIES}; 0: none)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mockrefund(fixtures='default', seed=None, clock=None): how the `mockrefund` "
        "fixture makes this test's sandbox",
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalServer:
    """`python -m mockrefund serve` in the background, on a free port, with its own database."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.log_path = directory / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> str:
        # A free port can be taken by someone else between our probe and the server's bind
        # (other xdist workers probe at the same moment); the server then exits at once,
        # and we try another port.
        for _attempt in range(5):
            port = _free_port()
            self.url = f"http://127.0.0.1:{port}"
            env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
            env["PYTHONUNBUFFERED"] = "1"
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "mockrefund", "serve", "--host", "127.0.0.1",
                     "--port", str(port), "--db", str(self.directory / "mockrefund.db"),
                     "--log-level", "warning"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=env,
                )  # fmt: skip
            if self._wait_ready():
                return self.url
            if "in use" not in self._log_tail():
                break
        raise RuntimeError(
            f"mockrefund server did not start (log {self.log_path}):\n{self._log_tail()}"
        )

    def _wait_ready(self) -> bool:
        import httpx

        assert self.process is not None
        # Polling for readiness, bounded; nothing in a test waits on the wall clock.
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if httpx.get(f"{self.url}/__admin/health", timeout=1).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        self.stop()
        return False

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def mockrefund_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The mockrefund server of this session: the shared one named by `--mockrefund-url`
    or `MOCKREFUND_URL`, or one started here and stopped at the end."""
    from mockrefund.client import MockrefundError, Server

    url = request.config.getoption("mockrefund_url") or os.environ.get(URL_ENV)
    if url:
        with Server(url) as server:
            try:
                server.health()
            except MockrefundError as error:
                pytest.fail(f"mockrefund server at {url} (--mockrefund-url or {URL_ENV}): {error}")
            yield server
        return

    # Under pytest-xdist every worker is its own process with its own session, so each one
    # starts its own server here. We chose that over one server shared by the workers:
    # start-up costs about a second per worker, while sharing would need a cross-process
    # lock and a last-one-out rule for who stops the server (and a crashed worker could
    # leave it running or stop it under the others). Workers never share a port, database
    # or process, so nothing can leak between them. To share anyway, start one server and
    # pass --mockrefund-url: sandboxes keep tests isolated on a shared server too.
    local = LocalServer(tmp_path_factory.mktemp("mockrefund"))
    try:
        local.start()
        with Server(local.url) as server:
            yield server
    finally:
        local.stop()


@pytest.fixture
def mockrefund(request: pytest.FixtureRequest, mockrefund_server: Server) -> Iterator[Sandbox]:
    """A fresh sandbox for this test, deleted afterwards."""
    marker = request.node.get_closest_marker("mockrefund")
    options = dict(marker.kwargs) if marker else {}
    sandbox = mockrefund_server.create_sandbox(**options)
    request.node.stash[SANDBOX_KEY] = sandbox
    try:
        yield sandbox
    finally:
        del request.node.stash[SANDBOX_KEY]
        sandbox.delete(missing_ok=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failure's report gets its sandbox's journal, read while the sandbox still lives
    (its fixture is torn down after the report of the test's call is made)."""
    report = yield
    if not report.failed or report.when == "teardown":
        return report
    sandbox = item.stash.get(SANDBOX_KEY, None)
    entries = item.config.getoption("mockrefund_journal", JOURNAL_ENTRIES)
    if sandbox is None or not entries or entries <= 0:
        return report
    from mockrefund.testing_journal import SECTION
    from mockrefund.testing_journal import report as journal_report

    report.sections.append((SECTION, journal_report(sandbox, entries)))
    return report
