"""The running totals on orders, line items and payments always equal what the refunds
add up to, through every way a refund comes, changes and goes: fixtures, creates
(pending, final at once, failed at once), settling by time and by reads, to success and
to failure, edits and deletes."""

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session, select

from mockrefund.core import lifecycle, outcomes, refunds
from mockrefund.core.models import (
    LineItem,
    Order,
    Payment,
    Refund,
    RefundLine,
    RefundStatus,
    RefundTransaction,
)
from mockrefund.core.refunds import ItemSelector, LineRequest, TransactionRequest
from mockrefund.core.sandboxes import DEFAULT_SANDBOX
from tests.core.world import POLICY, World, item, order

DAY = 24 * 3600
AT_ONCE = replace(POLICY, asynchronous=False)


# Seeded with the order: one succeeded, one pending (with shipping), one failed.
FIXTURE_REFUNDS = [
    {
        "id": "r1",
        "created_at": "2025-01-01T01:00:00Z",
        "amount": "10.00",
        "lines": [{"item": "a1", "quantity": 1, "amount": "10.00"}],
    },
    {
        "id": "r2",
        "created_at": "2025-01-01T02:00:00Z",
        "amount": "7.00",
        "shipping": "2.00",
        "status": "pending",
        "settles_at": "2025-01-03T00:00:00Z",
        "lines": [{"item": "a2", "quantity": 1, "amount": "5.00"}],
    },
    {
        "id": "r3",
        "created_at": "2025-01-01T03:00:00Z",
        "amount": "10.00",
        "status": "failed",
        "lines": [{"item": "a1", "quantity": 1, "amount": "10.00"}],
    },
]


@pytest.fixture
def world() -> Iterator[World]:
    world = World(
        [
            order(
                "A",
                [item("a1", 5, "10.00"), item("a2", 4, "5.00", shipped=2)],
                shipping="6.00",
                payments=[{"id": "P1", "amount": "40.00"}, {"id": "P2", "amount": "26.00"}],
                refunds=FIXTURE_REFUNDS,
            ),
            order("FAILS", [item("f1", 2)], refund_outcome="failed", payments=[{"id": "PF"}]),
        ]
    )
    yield world
    world.close()


def line(ref: str, quantity: int, state: str | None = None) -> LineRequest:
    return LineRequest(ItemSelector(ref), quantity, shipping_state=state)  # type: ignore[arg-type]


def recount(session: Session, order_id: int) -> dict[str, Any]:
    """What the order's refunds add up to, counted from the refund rows themselves."""
    found: dict[str, Any] = {
        "order": dict.fromkeys(
            ("refunded_amount", "refunding_amount", "refunded_shipping", "pending_refunds"),
            Decimal(0),
        ),
        "lines": {},
        "payments": {},
    }
    found["order"]["refund_count"] = 0
    for refund in session.exec(select(Refund).where(Refund.order_id == order_id)):
        found["order"]["refund_count"] += 1
        if refund.status == RefundStatus.FAILED:
            continue
        pending = refund.status == RefundStatus.PENDING
        money = "refunding" if pending else "refunded"
        found["order"][f"{money}_amount"] += refund.amount
        found["order"]["refunded_shipping"] += refund.shipping_amount
        found["order"]["pending_refunds"] += int(pending)
        for row in session.exec(select(RefundLine).where(RefundLine.refund_id == refund.id)):
            totals = found["lines"].setdefault(row.line_item_id, _zero_line())
            totals[f"{money}_quantity"] += row.quantity
            totals[f"{money}_amount"] += row.amount
            totals["returned_quantity"] += row.quantity if row.kind == "returned" else 0
        for tx in session.exec(
            select(RefundTransaction).where(RefundTransaction.refund_id == refund.id)
        ):
            found["payments"][tx.payment_id] = found["payments"].get(tx.payment_id, 0) + tx.amount
    return found


def _zero_line() -> dict[str, Any]:
    columns = ("refunded_quantity", "refunding_quantity", "refunded_amount", "refunding_amount")
    return {**dict.fromkeys(columns, Decimal(0)), "returned_quantity": 0}


def stored(session: Session, order: Order) -> dict[str, Any]:
    """The running totals as the rows keep them (rows with nothing refunded left out)."""
    lines = session.exec(select(LineItem).where(LineItem.order_id == order.id))
    payments = session.exec(select(Payment).where(Payment.order_id == order.id))
    return {
        "order": {
            "refunded_amount": order.refunded_amount,
            "refunding_amount": order.refunding_amount,
            "refunded_shipping": order.refunded_shipping,
            "pending_refunds": order.pending_refunds,
            "refund_count": order.refund_count,
        },
        "lines": {
            row.id: {key: getattr(row, key) for key in _zero_line()}
            for row in lines
            if any(getattr(row, key) for key in _zero_line())
        },
        "payments": {row.id: row.refunded_amount for row in payments if row.refunded_amount},
    }


def assert_totals_hold(world: World) -> None:
    with world.db.read() as session:
        for row in session.exec(select(Order).where(Order.sandbox_id == DEFAULT_SANDBOX)):
            assert row.id is not None
            counted = recount(session, row.id)
            counted["lines"] = {k: v for k, v in counted["lines"].items() if any(v.values())}
            counted["payments"] = {k: v for k, v in counted["payments"].items() if v}
            assert stored(session, row) == counted, row.ref


def test_fixture_refunds_are_in_the_totals_from_the_start(world: World) -> None:
    assert_totals_hold(world)
    state = world.state("A")
    a1, a2 = state.lines
    assert (a1.refunded, a1.refunding, a2.refunded, a2.refunding) == (1, 0, 0, 1)
    assert (state.refunded_amount, state.refunding_amount) == (Decimal(10), Decimal(7))
    assert state.refunded_shipping == Decimal(2)
    assert state.has_pending_refund


def test_creates_settles_edits_and_deletes_keep_the_totals(world: World) -> None:
    p1 = TransactionRequest("P1", Decimal("3.00"))
    world.refund(
        "A", lines=[line("a2", 1, "returned"), line("a2", 1, "unshipped")], shipping=Decimal(1),
        amount=Decimal(3), transactions=[p1],
    )  # fmt: skip
    assert_totals_hold(world)
    assert world.state("A").lines[1].returned == 1

    world.refund("A", lines=[line("a1", 1)], note="mockrefund:instant")  # succeeded at once
    world.refund("A", lines=[line("a1", 1)], note="mockrefund:fail mockrefund:instant")
    world.refund(
        "FAILS", lines=[line("f1", 2)], transactions=[TransactionRequest("PF", Decimal(1))]
    )
    assert_totals_hold(world)
    assert world.state("FAILS").payments[0].refunded == Decimal(1)

    assert world.advance(2 * DAY) == 3  # r2, the first create above, and FAILS' (failed)
    assert_totals_hold(world)
    fails = world.state("FAILS")
    assert (fails.lines[0].refundable, fails.payments[0].refunded) == (2, Decimal(0))
    assert not world.state("A").has_pending_refund

    now = world.now()
    outcomes.queue(world.db, DEFAULT_SANDBOX, RefundStatus.FAILED, now, after_reads=1)
    waiting = world.refund("A", lines=[line("a1", 1)], transactions=[p1]).refund
    for _ in range(2):  # pending on the first read, failed from the second
        lifecycle.note_status_reads(world.db, [_row(world, waiting.ref)], now)
    assert _row(world, waiting.ref).status == RefundStatus.FAILED
    assert_totals_hold(world)

    final = world.refund("A", lines=[line("a1", 1)], amount=Decimal(4), policy=AT_ONCE).refund
    refunds.update(world.db, world.store, "A", final.ref, now, amount=Decimal(9))
    assert_totals_hold(world)
    # r1, r2 (settled), the first create, the instant one, and this one as edited
    assert world.state("A").refunded_amount == Decimal(10 + 7 + 3 + 10 + 9)
    refunds.delete(world.db, world.store, "A", final.ref)
    refunds.delete(world.db, world.store, "A", "r1")
    assert_totals_hold(world)
    state = world.state("A")
    assert (state.lines[0].refunded, state.refunded_amount) == (1, Decimal(7 + 3 + 10))


def _row(world: World, ref: str) -> Refund:
    with world.db.read() as session:
        return session.exec(select(Refund).where(Refund.ref == ref)).one()
