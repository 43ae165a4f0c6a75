"""The journal's Server-Sent Events streams, against the real server process."""

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import Server, running_server
from tests.e2e.sse import stream

pytestmark = pytest.mark.e2e
ITEMS = {"orderItems": [{"itemId": "120001", "quantity": 1}]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("stream") / "stream.db") as process:
        yield process


class Sandbox:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.description = httpx.post(f"{server.url}/__admin/sandboxes").raise_for_status().json()
        self.id: str = self.description["id"]
        self.admin = self.description["admin_url"]
        token = next(
            c["key"] for c in self.description["credentials"] if c["platform"] == "kakaclo"
        )
        self.kakaclo = httpx.Client(
            base_url=self.description["base_urls"]["kakaclo"],
            headers={"Authorization": f"Bearer {token}"},
        )

    def refund(self) -> httpx.Response:
        return self.kakaclo.post("/v2/order/orders/10001/refund", json=ITEMS)

    def read(self) -> httpx.Response:
        return self.kakaclo.get("/v2/order/orders/refund/10001")

    def journal(self) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.admin}/requests").json()["requests"])


@pytest.fixture
def sandbox(server: Server) -> Sandbox:
    return Sandbox(server)


def test_a_refund_is_an_event_with_the_journal_entry(sandbox: Sandbox) -> None:
    with stream(f"{sandbox.admin}/requests/stream") as events:
        answer = sandbox.refund()
        event = events.next()
    assert answer.json()["data"] == 10002
    [entry] = sandbox.journal()
    assert event.kind == "request"
    assert event.id == str(entry["id"])
    assert event.data == entry  # the same shape as the journal's list
    assert event.data["platform"] == "kakaclo"
    assert event.data["method"] == "POST"
    assert event.data["path"].endswith("/openapi/v2/order/orders/10001/refund")
    assert event.data["status"] == 200
    assert event.data["response_body"] == answer.text
    assert event.data["fault"] is None


def test_the_default_sandbox_streams_at_the_root(server: Server) -> None:
    token = {"Authorization": "Bearer kakaclo-test-token"}
    with stream(f"{server.url}/__admin/requests/stream") as events:
        httpx.get(f"{server.url}/openapi/v2/order/orders/refund/10001", headers=token)
        event = events.next()
    assert event.data["path"] == "/openapi/v2/order/orders/refund/10001"


def test_a_reconnect_with_last_event_id_misses_nothing_and_repeats_nothing(
    sandbox: Sandbox,
) -> None:
    url = f"{sandbox.admin}/requests/stream"
    with stream(url) as events:
        for _ in range(3):
            sandbox.read()
        seen = events.take(2)  # the client drops after two
    for _ in range(2):
        sandbox.refund()  # while nobody listens
    with stream(url, headers={"Last-Event-ID": str(seen[-1].id)}) as events:
        sandbox.read()
        resumed = events.take(4)
    ids = [entry["id"] for entry in sandbox.journal()]
    assert len(ids) == 6
    assert [int(str(e.id)) for e in seen + resumed] == ids
    assert [e.data["method"] for e in resumed] == ["GET", "POST", "POST", "GET"]


def test_after_0_replays_the_journal_kept(sandbox: Sandbox) -> None:
    sandbox.refund()
    sandbox.read()
    with stream(f"{sandbox.admin}/requests/stream", after=0) as events:
        replayed = events.take(2)
    assert [e.data for e in replayed] == sandbox.journal()


def test_a_stream_sees_only_its_own_sandbox(server: Server) -> None:
    mine, other = Sandbox(server), Sandbox(server)
    with stream(f"{other.admin}/requests/stream") as events:
        mine.refund()
        other.read()
        event = events.next()
    assert event.data["method"] == "GET"
    assert other.id in event.data["path"]
    assert event.data == other.journal()[0]


def test_the_stream_honours_the_journal_filters(sandbox: Sandbox) -> None:
    with stream(f"{sandbox.admin}/requests/stream", method="post", status=200) as events:
        sandbox.read()
        sandbox.refund()
        event = events.next()
    assert event.data["method"] == "POST"
    assert [e["method"] for e in sandbox.journal()] == ["GET", "POST"]


@pytest.mark.parametrize("after_reset", [1, 2, 3])
def test_a_stream_goes_on_after_a_reset(sandbox: Sandbox, after_reset: int) -> None:
    with stream(f"{sandbox.admin}/requests/stream") as events:
        sandbox.read()
        sandbox.read()
        first = events.take(2)
        httpx.post(f"{sandbox.admin}/reset").raise_for_status()
        # The journal's positions start over: fewer, as many and more requests than
        # before the reset are each seen once.
        for _ in range(after_reset):
            sandbox.refund()
        after = events.take(after_reset)
    assert [e.data["method"] for e in first] == ["GET", "GET"]
    assert [e.data for e in after] == sandbox.journal()
    assert after[0].data["response_body"].endswith('"data":10002}')  # ids started over


def test_deleting_the_sandbox_ends_its_stream(sandbox: Sandbox) -> None:
    with stream(f"{sandbox.admin}/requests/stream") as events:
        httpx.delete(f"{sandbox.server.url}/__admin/sandboxes/{sandbox.id}").raise_for_status()
        end = events.next()
        assert end.kind == "end"
        with pytest.raises(EOFError):
            events.next()


def test_the_server_stream_has_every_sandbox_with_its_id(server: Server) -> None:
    first, second = Sandbox(server), Sandbox(server)
    with stream(f"{server.url}/__admin/requests/stream/all") as events:
        first.refund()
        second.read()
        got = events.take(2)
    assert [(e.data["sandbox"], e.data["method"]) for e in got] == [
        (first.id, "POST"),
        (second.id, "GET"),
    ]
    assert {k: v for k, v in got[0].data.items() if k != "sandbox"} == first.journal()[0]


def test_unknown_sandboxes_and_bad_ids_are_refused(server: Server) -> None:
    missing = httpx.get(f"{server.url}/__admin/sandboxes/sbx_nope/requests/stream")
    assert missing.status_code == 404
    bad = httpx.get(f"{server.url}/__admin/requests/stream", headers={"Last-Event-ID": "x"})
    assert (bad.status_code, bad.json()["status"]) == (400, 400)


def test_the_server_keeps_at_most_max_streams_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCKREFUND_MAX_STREAMS", "2")
    with running_server(tmp_path / "cap.db") as server:
        url = f"{server.url}/__admin/requests/stream"
        with stream(url), stream(f"{server.url}/__admin/requests/stream/all"):
            refused = httpx.get(url)
            assert refused.status_code == 503
            assert refused.json() == {
                "error": "this server has 2 streams open, its limit (MOCKREFUND_MAX_STREAMS); "
                "close one, or try again later",
                "status": 503,
            }
        # Both closed: the server notices the clients went, and gives their places back.
        assert eventually(lambda: two_open(url))


def two_open(url: str) -> bool:
    with (
        httpx.stream("GET", url, timeout=20) as one,
        httpx.stream("GET", url, timeout=20) as two,
    ):
        return (one.status_code, two.status_code) == (200, 200)


def eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Whether `check` comes true within `seconds` (for what the server does on its own
    once a client went away, not for time in the mock)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
    return False


def test_the_server_stops_at_once_with_streams_open(tmp_path: Path) -> None:
    server = Server(tmp_path / "stop.db")
    try:
        with stream(f"{server.url}/__admin/requests/stream") as events:
            os.kill(server.process.pid, signal.SIGTERM)
            # As without a stream: uvicorn ends by raising the signal it was stopped with.
            assert server.process.wait(timeout=5) == -signal.SIGTERM
            with pytest.raises((EOFError, httpx.RemoteProtocolError)):
                events.next()
    finally:
        server.stop()


def test_stop_after_ends_the_stream_after_so_many_events(sandbox: Sandbox) -> None:
    for _ in range(3):
        sandbox.read()
    # A plain GET: it returns once the stream ends.
    answer = httpx.get(f"{sandbox.admin}/requests/stream", params={"after": 0, "stop_after": 2})
    ids = [line.removeprefix("id: ") for line in answer.text.splitlines() if line.startswith("id:")]
    assert ids == [str(entry["id"]) for entry in sandbox.journal()[:2]]
