"""One journal per sandbox over both servers: every request counted once, listed in the
order it came, each entry with its own id."""

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from tests.e2e.sse import stream
from tests.platforms.shopline.conftest import SEED_ORDER
from tests.replicas.apis import Admin, Kakaclo, Sandbox, Shopline, Woo, at_once, expect
from tests.replicas.servers import Pair, Server

pytestmark = pytest.mark.e2e
REQUESTS = 12
AT_ONCE = 40


def call(sandbox: Sandbox, server: Server, n: int) -> httpx.Response:
    """The n-th request of a test: the three platforms in turn, `n` in its query so that
    its journal entry can be told from the others."""
    calls: list[Callable[[], httpx.Response]] = [
        lambda: Kakaclo(sandbox).orders(server, ids="10001", n=n),
        lambda: Shopline(sandbox).orders(server, ids=SEED_ORDER, n=n),
        lambda: Woo(sandbox).call(server, "GET", "/orders/645", params={"n": n}),
    ]
    return expect(calls[n % len(calls)](), 200)


def number_of(entry: dict[str, Any]) -> int:
    """Which request of the test an entry records (the `n` of its query)."""
    return int(parse_qs(entry["query"])["n"][0])


def test_requests_alternating_over_both_are_one_journal(pair: Pair, sandbox: Sandbox) -> None:
    admin = Admin(sandbox)
    for n, server in enumerate(pair.alternating(REQUESTS)):
        call(sandbox, server, n)

    for server in pair.servers:
        assert admin.journal_count(server) == REQUESTS, server
        assert admin.journal_count(server, platform="shopline") == REQUESTS // 3, server
        entries = admin.journal(server)
        assert [number_of(e) for e in entries] == list(range(REQUESTS))
        assert {e["status"] for e in entries} == {200}
        assert all(e["path"].startswith(f"/sandboxes/{sandbox.id}/") for e in entries)
        ids = [e["id"] for e in entries]
        assert ids == sorted(set(ids)), ids  # distinct and increasing
    assert admin.journal(pair.a) == admin.journal(pair.b)
    assert [e["query"] for e in admin.journal(pair.b, limit=2)] == [
        e["query"] for e in admin.journal(pair.a)[-2:]
    ]

    expect(pair.b.http.delete(f"{sandbox.admin}/requests"), 200, 204)
    assert admin.journal_count(pair.a) == 0
    call(sandbox, pair.a, 0)
    assert admin.journal_count(pair.b) == 1


def test_requests_at_once_over_both_are_each_recorded_once(pair: Pair, sandbox: Sandbox) -> None:
    admin = Admin(sandbox)
    servers = list(pair.alternating(AT_ONCE))
    at_once([lambda n=n, s=s: call(sandbox, s, n) for n, s in enumerate(servers)])
    for server in pair.servers:
        assert admin.journal_count(server) == AT_ONCE, server
    entries = admin.journal(pair.a)
    assert sorted(number_of(e) for e in entries) == list(range(AT_ONCE))
    ids = [e["id"] for e in entries]
    assert ids == sorted(set(ids)), ids


def test_a_stream_through_either_server_has_every_request_once(
    pair: Pair, sandbox: Sandbox
) -> None:
    admin = Admin(sandbox)
    url = f"{pair.a.url}{sandbox.admin}/requests/stream"
    with stream(url) as own, stream(f"{pair.b.url}/__admin/requests/stream/all") as everyone:
        servers = list(pair.alternating(AT_ONCE))
        at_once([lambda n=n, s=s: call(sandbox, s, n) for n, s in enumerate(servers)])
        seen = own.take(AT_ONCE)
        # The server's stream may hold other tests' requests too: this sandbox's are kept.
        seen_by_all = []
        while len(seen_by_all) < AT_ONCE:
            event = everyone.next()
            if event.data["sandbox"] == sandbox.id:
                seen_by_all.append(event)
    entries = admin.journal(pair.b)
    assert [e.data for e in seen] == entries  # each once, in the journal's order
    assert sorted(int(str(e.id)) for e in seen_by_all) == [e["id"] for e in entries]
