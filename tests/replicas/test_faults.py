"""A fault rule is the sandbox's, not a process's: its `times` count down over both
servers, its counters read the same through either, and a seeded probability draws the
same sequence whichever server each request reaches."""

import pytest

from tests.replicas.apis import (
    FAULT_MESSAGE,
    Admin,
    Kakaclo,
    Sandbox,
    at_once,
    create_sandbox,
    delete_sandbox,
    describe,
    expect,
)
from tests.replicas.servers import Pair, Server

pytestmark = pytest.mark.e2e
REQUESTS = 10
AT_ONCE = 20
DRAWS = 24


def fired(kakaclo: Kakaclo, server: Server, status: int) -> bool:
    """One Kakaclo call: True when the fault rule answered it, False when the API did."""
    answer = kakaclo.orders(server, ids="10001")
    if answer.status_code == status:
        assert answer.json() == {
            "code": status * 100,
            "message": FAULT_MESSAGE,
            "data": None,
        }, describe(answer)
        return True
    assert expect(answer, 200).json()["code"] == 10000, describe(answer)
    return False


def test_next_3_set_through_one_fire_3_times_over_both(pair: Pair, sandbox: Sandbox) -> None:
    admin, kakaclo = Admin(sandbox), Kakaclo(sandbox)
    rule = admin.add_fault(pair.a, platform="kakaclo", status=503, times=3)

    servers = list(pair.alternating(REQUESTS))
    fires = [fired(kakaclo, servers[0], 503), fired(kakaclo, servers[1], 503)]
    (seen,) = admin.faults(pair.b)
    assert (seen["id"], seen["remaining"], seen["fired"]) == (rule["id"], 1, 2)

    fires += [fired(kakaclo, server, 503) for server in servers[2:]]
    assert fires == [True] * 3 + [False] * (REQUESTS - 3)
    for server in pair.servers:
        assert admin.faults(server) == []  # used up, so removed
        journal = admin.journal(server)
        assert [e["fault"] for e in journal] == [rule["id"]] * 3 + [None] * (REQUESTS - 3)


def test_next_12_fire_12_times_over_20_requests_at_once(pair: Pair, sandbox: Sandbox) -> None:
    # More than either server's half of the requests: no one process can fire them all.
    admin, kakaclo = Admin(sandbox), Kakaclo(sandbox)
    admin.add_fault(pair.b, platform="kakaclo", status=503, times=12)
    servers = list(pair.alternating(AT_ONCE))
    fires = at_once([lambda s=s: fired(kakaclo, s, 503) for s in servers])
    assert fires.count(True) == 12
    assert admin.faults(pair.a) == []


def draw_pattern(pair: Pair, servers: list[Server]) -> list[bool]:
    """Which of the calls a seeded rule answers, in a new sandbox, each call sent to the
    server of its turn."""
    sandbox = create_sandbox(pair.a)
    try:
        admin, kakaclo = Admin(sandbox), Kakaclo(sandbox)
        admin.add_fault(servers[0], path="orders", status=502, probability=0.5, seed=42)
        pattern = [fired(kakaclo, server, 502) for server in servers]
        (rule,) = admin.faults(pair.other(servers[-1]))
        assert rule["fired"] == sum(pattern)
        return pattern
    finally:
        delete_sandbox(pair.b, sandbox)


def test_a_seeded_probability_fires_alike_on_one_server_or_two(pair: Pair) -> None:
    on_a = draw_pattern(pair, [pair.a] * DRAWS)
    assert 0 < sum(on_a) < DRAWS  # a pattern worth comparing: both answers occur
    assert draw_pattern(pair, list(pair.alternating(DRAWS))) == on_a
    assert draw_pattern(pair, [pair.b] * DRAWS) == on_a
