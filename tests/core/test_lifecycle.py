"""Pending → final on the mock clock: delays, forced outcomes, and settling exactly once."""

from collections.abc import Iterator
from datetime import timedelta

import pytest

from mockrefund.core import lifecycle, sandboxes
from mockrefund.core.lifecycle import DelayPolicy
from mockrefund.core.models import Order, RefundStatus
from mockrefund.core.refunds import ItemSelector, LineRequest
from tests.core.world import T0, World, item, order

HOUR = 3600.0
DAY = 24 * HOUR


@pytest.fixture
def world() -> Iterator[World]:
    world = World(
        [
            order("A", [item("a1", 5)]),
            order("FAIL", [item("f1", 1)], refund_outcome="failed"),
            order("NOW", [item("n1", 1)], refund_settle_seconds=0),
        ],
        settle_delay="600",
    )
    yield world
    world.close()


def test_realistic_delays_are_deterministic_mostly_within_an_hour_never_past_a_day() -> None:
    policy = DelayPolicy.parse("realistic")
    delays = [policy.draw(7, f"refund-{n}") for n in range(2000)]
    assert delays == [policy.draw(7, f"refund-{n}") for n in range(2000)]
    assert delays != [policy.draw(8, f"refund-{n}") for n in range(2000)]
    assert max(delays) <= DAY
    assert sum(d <= HOUR for d in delays) / len(delays) > 0.8


def test_fixed_and_ranged_delays() -> None:
    assert DelayPolicy.parse("90").draw(0, "x") == 90
    ranged = [DelayPolicy.parse("10-20").draw(0, str(n)) for n in range(100)]
    assert all(10 <= d <= 20 for d in ranged)


def _order(**flags: object) -> Order:
    return Order(sandbox_id="s", store_id=1, ref="o", **flags)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("texts", "flags", "outcome", "delay"),
    [
        ((), {}, RefundStatus.SUCCEEDED, 600),
        (("please mockrefund:fail",), {}, RefundStatus.FAILED, 600),
        (("MOCKREFUND:INSTANT",), {}, RefundStatus.SUCCEEDED, 0),
        (("mockrefund:delay=42",), {}, RefundStatus.SUCCEEDED, 42),
        (("", "mockrefund:fail mockrefund:instant"), {}, RefundStatus.FAILED, 0),
        ((), {"refund_outcome": "failed", "refund_settle_seconds": 5}, RefundStatus.FAILED, 5),
        (("mockrefund:succeed",), {"refund_outcome": "failed"}, RefundStatus.SUCCEEDED, 600),
        (("mockrefund:delay=999999999",), {}, RefundStatus.SUCCEEDED, DAY),
    ],
)
def test_plan_follows_magic_words_then_order_flags_then_settings(
    texts: tuple[str, ...], flags: dict[str, object], outcome: RefundStatus, delay: float
) -> None:
    plan = lifecycle.plan(_order(**flags), texts, DelayPolicy.parse("600"), 0, "k", T0)
    assert plan.outcome == outcome
    assert plan.settles_at == T0 + timedelta(seconds=delay)


def test_refunds_stay_pending_until_due_then_settle_once(world: World) -> None:
    created = world.refund("A", lines=[LineRequest(ItemSelector("a1"), 1)])
    assert created.refund.settles_at == T0 + timedelta(seconds=600)
    assert world.advance(599) == 0
    assert world.state("A").refunds[0].status == RefundStatus.PENDING
    assert world.advance(1) == 1
    state = world.state("A")
    assert state.refunds[0].status == RefundStatus.SUCCEEDED
    assert state.refunds[0].refund.settled_at == created.refund.settles_at
    assert state.lines[0].refunded == 1
    with world.db.write() as session:
        assert lifecycle.settle_due(session, sandboxes.DEFAULT_SANDBOX, world.now()) == 0


def test_a_read_settles_what_is_due_without_the_sweep(world: World) -> None:
    world.refund("A", lines=[LineRequest(ItemSelector("a1"), 1)])
    # Move the clock without settling (as another process might), then read.
    sandboxes.change_clock(world.db, sandboxes.DEFAULT_SANDBOX, lambda s, w: s)
    with world.db.write() as session:
        sandbox = sandboxes.get(session, sandboxes.DEFAULT_SANDBOX)
        sandbox.clock_anchor_mock = sandbox.clock_anchor_mock + timedelta(hours=1)
        session.add(sandbox)
    assert world.state("A").refunds[0].status == RefundStatus.SUCCEEDED


def test_forced_failure_and_instant_settlement_from_the_order(world: World) -> None:
    failing = world.refund("FAIL")
    assert failing.refund.status == RefundStatus.PENDING
    world.advance(600)
    assert world.state("FAIL").refunds[0].status == RefundStatus.FAILED
    instant = world.refund("NOW")
    assert instant.refund.status == RefundStatus.SUCCEEDED


def test_the_sweep_settles_every_sandbox_by_its_own_clock(world: World) -> None:
    world.refund("A", lines=[LineRequest(ItemSelector("a1"), 1)])
    sandboxes.settle_all(world.db)
    assert world.state("A").refunds[0].status == RefundStatus.PENDING
    with world.db.write() as session:
        sandbox = sandboxes.get(session, sandboxes.DEFAULT_SANDBOX)
        sandbox.clock_anchor_mock = sandbox.clock_anchor_mock + timedelta(hours=2)
        session.add(sandbox)
    sandboxes.settle_all(world.db)
    with world.db.read() as session:
        assert lifecycle.sandboxes_with_pending(session) == []
