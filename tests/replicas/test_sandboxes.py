"""Sandboxes are the database's, not a process's: made on one server, used, reset and
deleted through the other; made by many clients over both at once, each with its own id."""

import pytest

from tests.replicas.apis import (
    Kakaclo,
    Sandbox,
    assert_sandbox_gone,
    at_once,
    create_sandbox,
    delete_sandbox,
    describe,
    expect,
)
from tests.replicas.servers import Pair, Server

pytestmark = pytest.mark.e2e
CLIENTS = 64
ONE_ITEM = {"orderItems": [{"itemId": "120001", "quantity": 1}]}


def refund_number(kakaclo: Kakaclo, server: Server) -> object:
    answer = expect(kakaclo.refund(server, "10001", ONE_ITEM), 200)
    assert answer.json()["code"] == 10000, describe(answer)
    return answer.json()["data"]


def test_made_on_one_used_reset_and_deleted_through_the_other(pair: Pair) -> None:
    a, b = pair.servers
    sandbox = create_sandbox(a, seed=7)
    kakaclo = Kakaclo(sandbox)

    described = expect(b.http.get(sandbox.admin), 200).json()
    assert (described["id"], described["seed"]) == (sandbox.id, 7)
    assert sandbox.id in {s["id"] for s in expect(b.http.get("/__admin/sandboxes"), 200).json()}
    assert refund_number(kakaclo, b) == 10002
    assert [r["refundNo"] for r in kakaclo.refunds(a, "10001")] == ["10002"]

    reset = expect(b.http.post(f"{sandbox.admin}/reset"), 200).json()
    assert reset["id"] == sandbox.id
    assert kakaclo.refunds(a, "10001") == []
    assert refund_number(kakaclo, a) == 10002  # the sequences started over too

    expect(delete_sandbox(a, sandbox), 204)
    assert_sandbox_gone(b, sandbox)
    assert_sandbox_gone(a, sandbox)


def test_64_creates_at_once_over_both_servers_get_distinct_ids(pair: Pair) -> None:
    servers = list(pair.alternating(CLIENTS))
    answers = at_once([lambda s=s: s.http.post("/__admin/sandboxes") for s in servers])
    made = [Sandbox.of(expect(answer, 201).json()) for answer in answers]
    try:
        ids = [sandbox.id for sandbox in made]
        assert len(set(ids)) == CLIENTS
        for server in pair.servers:
            listed = {s["id"] for s in expect(server.http.get("/__admin/sandboxes"), 200).json()}
            assert set(ids) <= listed, server
        # Each is a whole sandbox of its own: its first refund has the fixtures' number.
        assert refund_number(Kakaclo(made[0]), pair.b) == 10002
        assert refund_number(Kakaclo(made[1]), pair.a) == 10002
    finally:
        # Each deleted through the server that did not make it.
        deletes = [
            lambda s=server, m=sandbox: delete_sandbox(pair.other(s), m)
            for server, sandbox in zip(servers, made, strict=True)
        ]
        gone = at_once(deletes)
        assert [answer.status_code for answer in gone] == [204] * len(made)
