"""The refund rules of the core, each shown to hold and to change nothing when it refuses."""

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlmodel import func, select

from mockrefund.core import errors, refunds
from mockrefund.core.models import Order, Refund, RefundStatus, Sequence
from mockrefund.core.refunds import ItemSelector, LineRequest, TransactionRequest
from mockrefund.core.sandboxes import DEFAULT_SANDBOX
from tests.core.world import POLICY, World, item, order


@pytest.fixture
def world() -> Iterator[World]:
    world = World(
        [
            order(
                "A", [item("a1", 2, "10.00"), item("a2", 3, "5.50", sku="SKU-2")], shipping="4.00"
            ),
            order("SHIPPED", [item("s1", 2, shipped=2)]),
            order("PART", [item("p1", 1, shipped=1), item("p2", 1)]),
            order("CANCELLED", [item("c1")], cancelled=True),
            order("UNPAID", [item("u1")], paid=False),
            order(
                "PAY",
                [item("y1", 2, "10.00")],
                payments=[{"id": "230A", "amount": "12.00"}, {"id": "230B", "amount": "8.00"}],
            ),
            order(
                "GW",
                [item("g1", 1, "10.00")],
                payments=[{"id": "gw", "gateway": "stripe", "refunds": "fail"}],
            ),
            order("FAILS", [item("f1", 2)], refund_outcome="failed"),
            order("DONE", [item("d1")], status="completed"),
            order("MIX", [item("m1", 3, shipped=1)]),
        ]
    )
    yield world
    world.close()


OWN_SEQUENCES = select(Sequence).where(Sequence.sandbox_id == DEFAULT_SANDBOX)
OWN_ORDER_A = select(Order.updated_at).where(Order.sandbox_id == DEFAULT_SANDBOX, Order.ref == "A")


def line(ref: str, quantity: int, **extra: object) -> LineRequest:
    return LineRequest(ItemSelector(ref, **extra), quantity)  # type: ignore[arg-type]


def refund_count(world: World) -> int:
    with world.db.read() as session:
        return session.exec(
            select(func.count()).select_from(Refund).where(Refund.sandbox_id == DEFAULT_SANDBOX)
        ).one()


def test_whole_order_refund_takes_every_unit_shipping_and_money(world: World) -> None:
    created = world.refund("A")
    assert created.refund.amount == Decimal("40.5")  # 2 x 10 + 3 x 5.50 + 4 shipping
    assert created.refund.shipping_amount == Decimal("4")
    assert sorted(line.quantity for line in created.lines) == [2, 3]
    state = world.state("A")
    assert state.refundable_amount == 0
    assert all(line.refundable == 0 for line in state.lines)


def test_partial_refund_charges_price_times_quantity(world: World) -> None:
    created = world.refund("A", lines=[line("a2", 2)])
    assert created.refund.amount == Decimal("11.00")
    assert created.refund.status == RefundStatus.PENDING
    state = world.state("A")
    assert state.line(created.lines[0].line_item_id).refunding == 2
    assert state.refundable_amount == Decimal("29.50")


def test_refund_numbers_follow_the_sequence(world: World) -> None:
    first = world.refund("A", lines=[line("a1", 1)])
    second = world.refund("A", lines=[line("a1", 1)])
    assert (first.refund.ref, second.refund.ref) == ("500", "501")


@pytest.mark.parametrize("quantity", [0, -1])
def test_quantity_below_one_is_refused(world: World, quantity: int) -> None:
    with pytest.raises(errors.InvalidQuantity):
        world.refund("A", lines=[line("a1", quantity)])


def test_quantity_above_what_is_left_is_refused(world: World) -> None:
    with pytest.raises(errors.QuantityExceedsRefundable) as raised:
        world.refund("A", lines=[line("a1", 3)])
    assert raised.value.refundable == 2


def test_pending_refunds_hold_their_units(world: World) -> None:
    world.refund("A", lines=[line("a1", 2)])
    with pytest.raises(errors.QuantityExceedsRefundable) as raised:
        world.refund("A", lines=[line("a1", 1)])
    assert raised.value.refundable == 0


def test_the_same_item_twice_counts_together(world: World) -> None:
    with pytest.raises(errors.QuantityExceedsRefundable):
        world.refund("A", lines=[line("a1", 1), line("a1", 2)])


def test_a_failed_refund_frees_its_units_again(world: World) -> None:
    world.refund("FAILS", lines=[line("f1", 2)])
    world.advance(24 * 3600)
    state = world.state("FAILS")
    assert state.refunds[0].status == RefundStatus.FAILED
    assert state.lines[0].refundable == 2
    assert state.refundable_amount == Decimal("20.00")
    assert world.refund("FAILS", lines=[line("f1", 2)]).refund.status == RefundStatus.PENDING


@pytest.mark.parametrize(
    "selector",
    [{"ref": "nope"}, {"ref": "a2", "sku": "OTHER"}, {"ref": "a1", "attributes": {"cc": "US"}}],
)
def test_an_item_not_in_the_order_is_refused(world: World, selector: dict[str, object]) -> None:
    with pytest.raises(errors.ItemNotInOrder):
        world.refund("A", lines=[LineRequest(ItemSelector(**selector), 1)])  # type: ignore[arg-type]


def test_sku_narrows_the_match(world: World) -> None:
    assert world.refund("A", lines=[line("a2", 1, sku="SKU-2")]).refund.amount == Decimal("5.50")


def test_unknown_order(world: World) -> None:
    with pytest.raises(errors.OrderNotFound):
        world.refund("NOPE")


@pytest.mark.parametrize(
    ("order_ref", "error", "partially"),
    [("SHIPPED", errors.OrderShipped, False), ("PART", errors.OrderShipped, True)],
)
def test_shipped_orders_are_refused_when_the_policy_says_so(
    world: World, order_ref: str, error: type[errors.OrderShipped], partially: bool
) -> None:
    policy = replace(POLICY, refuse_shipped=True)
    with pytest.raises(error) as raised:
        world.refund(order_ref, policy=policy)
    assert raised.value.partially is partially
    # Without the rule the same refund goes through.
    assert world.refund(order_ref).refund.status == RefundStatus.PENDING


def test_cancelled_and_unpaid_orders_are_refused_when_the_policy_says_so(world: World) -> None:
    policy = replace(POLICY, refuse_cancelled=True, refuse_unpaid=True)
    with pytest.raises(errors.OrderCancelled):
        world.refund("CANCELLED", policy=policy)
    with pytest.raises(errors.OrderUnpaid):
        world.refund("UNPAID", policy=policy)


def test_nothing_left_to_refund(world: World) -> None:
    world.refund("A")
    with pytest.raises(errors.NothingToRefund):
        world.refund("A")


def test_amount_above_what_is_left_is_refused(world: World) -> None:
    with pytest.raises(errors.AmountExceedsRefundable):
        world.refund("A", lines=[], amount=Decimal("40.51"))
    assert world.refund("A", lines=[], amount=Decimal("40.50")).refund.amount == Decimal("40.50")


def test_shipping_above_what_is_left_is_refused(world: World) -> None:
    world.refund("A", lines=[], shipping=Decimal("3.00"))
    with pytest.raises(errors.ShippingExceedsRefundable):
        world.refund("A", lines=[], shipping=Decimal("1.01"))


def test_transactions_must_name_a_payment_of_the_order_and_fit_it(world: World) -> None:
    with pytest.raises(errors.PaymentNotInOrder):
        world.refund("PAY", lines=[], transactions=[TransactionRequest("230X", Decimal(1))])
    with pytest.raises(errors.PaymentExceedsRefundable):
        world.refund("PAY", lines=[], transactions=[TransactionRequest("230B", Decimal("8.01"))])
    created = world.refund(
        "PAY", lines=[], amount=Decimal(8), transactions=[TransactionRequest("230B", Decimal(8))]
    )
    assert [tx.amount for tx in created.transactions] == [Decimal(8)]
    with pytest.raises(errors.PaymentExceedsRefundable):
        world.refund("PAY", lines=[], transactions=[TransactionRequest("230B", Decimal("0.01"))])


def test_declared_shipping_state_must_match_the_item(world: World) -> None:
    with pytest.raises(errors.ItemShippingStateMismatch):
        world.refund("PART", lines=[LineRequest(ItemSelector("p1"), 1, shipping_state="unshipped")])
    with pytest.raises(errors.ItemShippingStateMismatch):
        world.refund("PART", lines=[LineRequest(ItemSelector("p2"), 1, shipping_state="returned")])
    created = world.refund(
        "PART",
        lines=[
            LineRequest(ItemSelector("p1"), 1, shipping_state="returned"),
            LineRequest(ItemSelector("p2"), 1, shipping_state="unshipped"),
        ],
    )
    assert len(created.lines) == 2


def test_a_refusing_gateway_stops_the_refund(world: World) -> None:
    with pytest.raises(errors.GatewayRefundFailed):
        world.refund("GW", ask_gateway=True)
    assert world.refund("GW").refund.amount == Decimal("10.00")  # not asked: manual refund


def test_a_refused_refund_changes_nothing(world: World) -> None:
    world.refund("A", lines=[line("a1", 1)])
    with world.db.read() as session:
        sequences_before = [s.next_value for s in session.exec(OWN_SEQUENCES)]
        updated_before = session.exec(OWN_ORDER_A).one()
    world.advance(5)
    with pytest.raises(errors.QuantityExceedsRefundable):
        world.refund("A", lines=[line("a2", 1), line("a1", 2)])
    assert refund_count(world) == 1
    with world.db.read() as session:
        assert [s.next_value for s in session.exec(OWN_SEQUENCES)] == sequences_before
        assert session.exec(OWN_ORDER_A).one() == updated_before


def test_synchronous_policy_settles_at_once_and_marks_full_refunds(world: World) -> None:
    policy = replace(POLICY, asynchronous=False, status_when_fully_refunded="refunded")
    partial = world.refund("A", policy=policy, lines=[], amount=Decimal("10.00"))
    assert partial.refund.status == RefundStatus.SUCCEEDED
    assert world.state("A").order.status is None
    world.refund("A", policy=policy, lines=[], amount=Decimal("30.50"))
    assert world.state("A").order.status == "refunded"


def test_update_changes_reason_and_amount_within_what_is_left(world: World) -> None:
    created = world.refund("A", lines=[], amount=Decimal("10.00"))
    updated = refunds.update(
        world.db,
        world.store,
        "A",
        created.refund.ref,
        world.now(),
        reason="late",
        amount=Decimal(40),
    )
    assert (updated.refund.reason, updated.refund.amount) == ("late", Decimal(40))
    with pytest.raises(errors.AmountExceedsRefundable):
        refunds.update(
            world.db, world.store, "A", created.refund.ref, world.now(), amount=Decimal(41)
        )


def test_delete_removes_the_refund_but_not_the_order_status(world: World) -> None:
    policy = replace(POLICY, asynchronous=False, status_when_fully_refunded="refunded")
    created = world.refund("A", policy=policy)
    refunds.delete(world.db, world.store, "A", created.refund.ref)
    state = world.state("A")
    assert state.refunds == []
    assert state.refundable_amount == Decimal("40.50")
    assert state.order.status == "refunded"
    with pytest.raises(errors.RefundNotFound):
        refunds.delete(world.db, world.store, "A", created.refund.ref)


def test_a_refund_of_another_order_is_not_found_in_this_one(world: World) -> None:
    created = world.refund("A", lines=[line("a1", 1)])
    with pytest.raises(errors.RefundNotInOrder):
        refunds.delete(world.db, world.store, "PAY", created.refund.ref)


def test_a_closing_status_refuses_even_without_shipments(world: World) -> None:
    with pytest.raises(errors.OrderClosed):
        world.refund("DONE", policy=replace(POLICY, refuse_statuses=frozenset({"completed"})))
    assert world.refund("DONE").refund.status == RefundStatus.PENDING


def test_declared_shipping_states_count_earlier_refunds(world: World) -> None:
    def refund(state: str) -> object:
        return world.refund("MIX", lines=[LineRequest(ItemSelector("m1"), 1, shipping_state=state)])  # type: ignore[arg-type]

    refund("returned")
    with pytest.raises(errors.ItemShippingStateMismatch):
        refund("returned")  # the one shipped unit came back already
    refund("unshipped")
    refund("unshipped")
    with pytest.raises(errors.QuantityExceedsRefundable):
        refund("unshipped")
