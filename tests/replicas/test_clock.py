"""One clock per sandbox, whichever server moves it: set, frozen, scaled and advanced
through one, read through the other; two advances at once both count."""

from datetime import timedelta

import pytest

from tests.replicas.apis import (
    DAY,
    EPOCH,
    Admin,
    Kakaclo,
    Sandbox,
    at_once,
    describe,
    expect,
    mock_time,
)
from tests.replicas.servers import Pair

pytestmark = pytest.mark.e2e
ROUNDS = 4


def test_changed_through_one_read_through_the_other(pair: Pair, sandbox: Sandbox) -> None:
    admin = Admin(sandbox)
    a, b = pair.servers
    assert admin.clock(b)["now"] == EPOCH

    admin.post(a, "clock/set", {"at": "2031-03-04T05:06:07Z"})
    assert admin.clock(b) == {
        "now": "2031-03-04T05:06:07Z",
        "frozen": True,
        "scale": 1.0,
        "settled": 0,
    }
    admin.advance(b, DAY)
    assert admin.clock(a)["now"] == "2031-03-05T05:06:07Z"

    admin.post(a, "clock/scale", {"scale": 60})
    assert admin.clock(b)["scale"] == 60.0
    admin.post(b, "clock/resume")
    assert admin.clock(a)["frozen"] is False
    stopped = admin.post(a, "clock/freeze")
    assert mock_time(stopped["now"]) >= mock_time("2031-03-05T05:06:07Z")
    assert admin.clock(b) == {**stopped, "settled": 0}


def test_an_advance_through_one_settles_what_the_other_created(
    pair: Pair, sandbox: Sandbox
) -> None:
    kakaclo, admin = Kakaclo(sandbox), Admin(sandbox)
    a, b = pair.servers
    created = expect(kakaclo.refund(a, "1000000463303", {}), 200)
    assert created.json()["code"] == 10000, describe(created)
    assert [r["refundStatus"] for r in kakaclo.refunds(b, "1000000463303")] == ["pending_review"]

    assert admin.advance(b, DAY)["settled"] == 1
    assert [r["refundStatus"] for r in kakaclo.refunds(a, "1000000463303")] == [
        "refund_successfully"
    ]


def test_two_advances_at_once_both_apply(pair: Pair, sandbox: Sandbox) -> None:
    # The clock is frozen, so where it stands is exactly the sum of the advances.
    admin = Admin(sandbox)
    start = mock_time(admin.clock(pair.a)["now"])
    for round_ in range(1, ROUNDS + 1):
        at_once([lambda s=s: admin.advance(s, DAY) for s in pair.servers])
        for server in pair.servers:
            now = mock_time(admin.clock(server)["now"])
            assert now - start == timedelta(days=2 * round_), (round_, server)
