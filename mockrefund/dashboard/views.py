"""What the sandbox page shows of a sandbox's data: per platform, its stores, their
orders with refund totals, and each refund with its timeline.

Read-only, in one read transaction. A page is bounded whatever a sandbox holds: the
`ORDERS_SHOWN` most recently changed orders per store, the `REFUNDS_SHOWN` latest refunds
per order, each with a count of what is left out.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from mockrefund.core.models import LineItem, Order, Refund, RefundStatus, Store
from mockrefund.db import Database
from mockrefund.fixtures.schema import PLATFORMS

ORDERS_SHOWN = 50
REFUNDS_SHOWN = 20


@dataclass
class Step:
    """One step of a refund's life, at a mock time (None: still to come)."""

    state: str
    at: datetime | None
    note: str = ""


@dataclass
class RefundView:
    ref: str
    status: str
    amount: Decimal
    shipping: Decimal
    timeline: list[Step]


@dataclass
class OrderView:
    ref: str
    state: str
    currency: str
    total: Decimal
    refunded: Decimal
    refunding: Decimal
    pending_refunds: int
    units: int
    shipped_units: int
    cancelled: bool
    refunds: list[RefundView] = field(default_factory=list)
    refunds_left_out: int = 0


@dataclass
class StoreView:
    handle: str
    name: str
    currency: str
    orders: list[OrderView] = field(default_factory=list)
    orders_left_out: int = 0


@dataclass
class PlatformView:
    name: str
    stores: list[StoreView] = field(default_factory=list)


def timeline(refund: Refund) -> list[Step]:
    """accepted, pending, then its final state: when each happened, or is due."""
    steps = [Step("accepted", refund.created_at)]
    if refund.status == RefundStatus.PENDING:
        if refund.settle_after_reads is not None:
            note = f"{refund.outcome} after {refund.settle_after_reads} status reads"
            steps.append(Step("pending", refund.created_at, f"{note} ({refund.reads} so far)"))
            steps.append(Step(refund.outcome, None, "after the reads"))
        else:
            steps.append(Step("pending", refund.created_at, f"{refund.outcome} when due"))
            steps.append(Step(refund.outcome, refund.settles_at, "due"))
        return steps
    if refund.settled_at != refund.created_at:
        steps.append(Step("pending", refund.created_at))
    steps.append(Step(refund.status, refund.settled_at))
    return steps


def _state(order: Order, units: int, shipped: int) -> str:
    """The order's own status word when it keeps one, else what its facts say."""
    if order.status:
        return order.status
    if order.cancelled:
        return "cancelled"
    if not order.paid:
        return "unpaid"
    if units and shipped >= units:
        return "shipped"
    return "partially shipped" if shipped else "paid, not shipped"


def platforms(db: Database, sandbox_id: str) -> list[PlatformView]:
    with db.read() as session:
        stores = session.exec(
            select(Store).where(Store.sandbox_id == sandbox_id).order_by(col(Store.id))
        ).all()
        shown: dict[int, list[Order]] = {}
        counts: dict[int, int] = {}
        for store in stores:
            assert store.id is not None
            shown[store.id] = list(
                session.exec(
                    select(Order)
                    .where(Order.sandbox_id == sandbox_id, Order.store_id == store.id)
                    .order_by(col(Order.updated_at).desc(), col(Order.id).desc())
                    .limit(ORDERS_SHOWN)
                )
            )
            counts[store.id] = session.exec(
                select(func.count())
                .select_from(Order)
                .where(Order.sandbox_id == sandbox_id, Order.store_id == store.id)
            ).one()
        order_ids = [order.id for orders in shown.values() for order in orders]
        units: dict[int, tuple[int, int]] = {}
        refunds: dict[int, list[Refund]] = defaultdict(list)
        refund_counts: dict[int, int] = {}
        if order_ids:
            for order_id, quantity, shipped in session.exec(
                select(
                    LineItem.order_id,
                    func.sum(LineItem.quantity),
                    func.sum(LineItem.shipped_quantity),
                )
                .where(LineItem.sandbox_id == sandbox_id, col(LineItem.order_id).in_(order_ids))
                .group_by(col(LineItem.order_id))
            ):
                units[order_id] = (int(quantity or 0), int(shipped or 0))
            latest = (
                select(
                    Refund,
                    func.row_number()
                    .over(
                        partition_by=col(Refund.order_id),
                        order_by=(col(Refund.created_at).desc(), col(Refund.id).desc()),
                    )
                    .label("rank"),
                )
                .where(Refund.sandbox_id == sandbox_id, col(Refund.order_id).in_(order_ids))
                .subquery()
            )
            shown_refund = aliased(Refund, latest)
            for refund in session.exec(
                select(shown_refund)
                .where(latest.c.rank <= REFUNDS_SHOWN)
                .order_by(latest.c.created_at, latest.c.id)
            ):
                refunds[refund.order_id].append(refund)
            for order_id, number in session.exec(
                select(Refund.order_id, func.count())
                .where(Refund.sandbox_id == sandbox_id, col(Refund.order_id).in_(order_ids))
                .group_by(col(Refund.order_id))
            ):
                refund_counts[order_id] = int(number)
    views: dict[str, PlatformView] = {name: PlatformView(name) for name in PLATFORMS}
    for store in stores:
        assert store.id is not None
        view = StoreView(store.handle, store.name, store.currency)
        view.orders_left_out = counts[store.id] - len(shown[store.id])
        for order in shown[store.id]:
            assert order.id is not None
            quantity, shipped = units.get(order.id, (0, 0))
            own = refunds.get(order.id, [])
            view.orders.append(
                OrderView(
                    ref=order.ref,
                    state=_state(order, quantity, shipped),
                    currency=order.currency,
                    total=order.total,
                    refunded=order.refunded_amount,
                    refunding=order.refunding_amount,
                    pending_refunds=order.pending_refunds,
                    units=quantity,
                    shipped_units=shipped,
                    cancelled=order.cancelled,
                    refunds=[
                        RefundView(r.ref, r.status, r.amount, r.shipping_amount, timeline(r))
                        for r in reversed(own)
                    ],
                    refunds_left_out=refund_counts.get(order.id, 0) - len(own),
                )
            )
        views.setdefault(store.platform, PlatformView(store.platform)).stores.append(view)
    return [view for view in views.values() if view.stores]
