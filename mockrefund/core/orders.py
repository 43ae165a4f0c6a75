"""Orders as the rules and the renderers see them: rows plus what their refunds add up to.

`load_states` reads any number of orders with a fixed number of queries (orders, items,
payments, refunds, refund lines, refund transactions), never one query per order.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func
from sqlalchemy import select as table_select
from sqlmodel import Session, SQLModel, col, select

from mockrefund.core.errors import OrderNotFound
from mockrefund.core.models import (
    LineItem,
    Order,
    Payment,
    Refund,
    RefundLine,
    RefundStatus,
    RefundTransaction,
)
from mockrefund.core.money import ZERO
from mockrefund.core.values import M, table_of, value_of
from mockrefund.db import Database


@dataclass
class RefundState:
    refund: Refund
    lines: list[RefundLine] = field(default_factory=list)
    transactions: list[RefundTransaction] = field(default_factory=list)

    @property
    def status(self) -> RefundStatus:
        return RefundStatus(self.refund.status)

    @property
    def counts(self) -> bool:
        """Pending and succeeded refunds hold their quantities and money; failed ones don't."""
        return self.refund.status != RefundStatus.FAILED


@dataclass
class LineState:
    item: LineItem
    refunded: int = 0  # settled successfully
    refunding: int = 0  # still pending
    refunded_amount: Decimal = ZERO
    refunding_amount: Decimal = ZERO
    # Units of pending and succeeded refunds declared as coming back after shipping.
    returned: int = 0

    @property
    def refundable(self) -> int:
        return self.item.quantity - self.refunded - self.refunding

    @property
    def unshipped(self) -> int:
        return self.item.quantity - self.item.shipped_quantity


@dataclass
class PaymentState:
    payment: Payment
    refunded: Decimal = ZERO  # pending and succeeded together

    @property
    def refundable(self) -> Decimal:
        return self.payment.amount - self.refunded


@dataclass
class OrderState:
    order: Order
    lines: list[LineState] = field(default_factory=list)
    payments: list[PaymentState] = field(default_factory=list)
    refunds: list[RefundState] = field(default_factory=list)

    @property
    def refunded_amount(self) -> Decimal:
        return _sum(r.refund.amount for r in self.refunds if r.status == RefundStatus.SUCCEEDED)

    @property
    def refunding_amount(self) -> Decimal:
        return _sum(r.refund.amount for r in self.refunds if r.status == RefundStatus.PENDING)

    @property
    def refundable_amount(self) -> Decimal:
        return self.order.total - self.refunded_amount - self.refunding_amount

    @property
    def refunded_shipping(self) -> Decimal:
        return _sum(r.refund.shipping_amount for r in self.refunds if r.counts)

    @property
    def refundable_shipping(self) -> Decimal:
        return self.order.shipping - self.refunded_shipping

    @property
    def shipped_units(self) -> int:
        return sum(line.item.shipped_quantity for line in self.lines)

    @property
    def ordered_units(self) -> int:
        return sum(line.item.quantity for line in self.lines)

    @property
    def fully_shipped(self) -> bool:
        return bool(self.lines) and self.shipped_units >= self.ordered_units

    @property
    def partially_shipped(self) -> bool:
        return 0 < self.shipped_units < self.ordered_units

    @property
    def has_pending_refund(self) -> bool:
        return any(r.status == RefundStatus.PENDING for r in self.refunds)

    @property
    def fully_refunded(self) -> bool:
        """Everything paid has come back, through refunds that succeeded."""
        return self.order.total > ZERO and self.refunded_amount >= self.order.total

    def line(self, line_item_id: int) -> LineState:
        for line in self.lines:
            if line.item.id == line_item_id:
                return line
        raise KeyError(line_item_id)


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def find_order(session: Session, store_id: int, order_ref: str, lock: bool = False) -> Order:
    """The order as an ORM row, attached to the session: for code that changes it."""
    query = select(Order).where(Order.store_id == store_id, Order.ref == order_ref)
    if lock:
        query = query.with_for_update()
    order = session.exec(query).first()
    if order is None:
        raise OrderNotFound(order_ref)
    return order


def read_order(session: Session, store_id: int, order_ref: str, lock: bool = False) -> Order:
    """The order as a plain value, read without the ORM: for code that only reads it."""
    query = _ORDER_BY_REF.with_for_update() if lock else _ORDER_BY_REF
    row = session.connection().execute(query, {"store_id": store_id, "ref": order_ref}).first()
    if row is None:
        raise OrderNotFound(order_ref)
    return value_of(Order, row)


def load_state(
    session: Session, store_id: int, order_ref: str, lock: bool = False, attached: bool = False
) -> OrderState:
    """The order and everything refunded of it. `attached`: as ORM rows the session
    tracks, for code that changes or deletes them; otherwise plain values (faster)."""
    if attached:
        return load_states(session, [find_order(session, store_id, order_ref, lock)], True)[0]
    return load_states(session, [read_order(session, store_id, order_ref, lock)])[0]


def cached_state(db: Database, store_id: int, order_ref: str) -> OrderState:
    """`load_state` in a read of its own, answered from the read cache while nothing
    changed. The state is shared: read it, never change it."""

    def load() -> OrderState:
        with db.read() as session:
            return load_state(session, store_id, order_ref)

    return db.cache.get(("order", store_id, order_ref), load)


def with_refund(state: OrderState, refund: RefundState, order: Order) -> OrderState:
    """The order as it is once `refund` is written (and the order row is now `order`),
    computed rather than read again. `state` is left as it was: it may be shared."""
    after = OrderState(
        order,
        [LineState(line.item) for line in state.lines],
        [PaymentState(payment.payment) for payment in state.payments],
        [*state.refunds, refund],
    )
    _aggregate(after)
    return after


def load_states(
    session: Session, orders: Sequence[Order], attached: bool = False
) -> list[OrderState]:
    """Attach items, payments and refunds (with their aggregates) to the given orders."""
    states = {order.id: OrderState(order) for order in orders}
    if not states:
        return []
    ids = list(states)
    rows = _attached_rows if attached else _plain_rows

    for item in rows(session, LineItem, "order_id", ids):
        states[item.order_id].lines.append(LineState(item))
    for payment in rows(session, Payment, "order_id", ids):
        states[payment.order_id].payments.append(PaymentState(payment))

    refunds: dict[int, RefundState] = {}
    for refund in rows(session, Refund, "order_id", ids):
        assert refund.id is not None
        refunds[refund.id] = RefundState(refund)
        states[refund.order_id].refunds.append(refunds[refund.id])

    if refunds:
        refund_ids = list(refunds)
        for line in rows(session, RefundLine, "refund_id", refund_ids):
            refunds[line.refund_id].lines.append(line)
        for tx in rows(session, RefundTransaction, "refund_id", refund_ids):
            refunds[tx.refund_id].transactions.append(tx)

    for state in states.values():
        _aggregate(state)
    return [states[order.id] for order in orders]


# Reads that only look at rows skip the ORM (see `core.values`).
_MODELS: tuple[type[SQLModel], ...] = (
    Order, LineItem, Payment, Refund, RefundLine, RefundTransaction
)  # fmt: skip
_TABLES = {model: table_of(model) for model in _MODELS}
_ORDER_BY_REF = table_select(_TABLES[Order]).where(
    _TABLES[Order].c.store_id == bindparam("store_id"), _TABLES[Order].c.ref == bindparam("ref")
)
_ORDER_PAGE = table_select(_TABLES[Order])
_CHILDREN: dict[tuple[type[SQLModel], str], Select[Any]] = {
    (model, parent): table_select(table)
    .where(table.c[parent].in_(bindparam("ids", expanding=True)))
    .order_by(table.c.id)
    for model, table in _TABLES.items()
    for parent in ("order_id", "refund_id")
    if parent in table.c
}


def _plain_rows(session: Session, model: type[M], parent: str, ids: list[Any]) -> list[M]:
    result = session.connection().execute(_CHILDREN[model, parent], {"ids": ids})
    return [value_of(model, row) for row in result]


def _attached_rows(session: Session, model: type[M], parent: str, ids: list[Any]) -> list[M]:
    table = _TABLES[model]
    query = select(model).where(table.c[parent].in_(ids)).order_by(table.c.id)
    return list(session.exec(query))


def _aggregate(state: OrderState) -> None:
    lines = {line.item.id: line for line in state.lines}
    payments = {p.payment.id: p for p in state.payments}
    for refund in state.refunds:
        if not refund.counts:
            continue
        pending = refund.status == RefundStatus.PENDING
        for refund_line in refund.lines:
            line = lines.get(refund_line.line_item_id)
            if line is None:
                continue
            if refund_line.kind == "returned":
                line.returned += refund_line.quantity
            if pending:
                line.refunding += refund_line.quantity
                line.refunding_amount += refund_line.amount
            else:
                line.refunded += refund_line.quantity
                line.refunded_amount += refund_line.amount
        for tx in refund.transactions:
            if tx.payment_id in payments:
                payments[tx.payment_id].refunded += tx.amount


@dataclass(frozen=True)
class OrderQuery:
    refs: Sequence[str] | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    offset: int = 0
    limit: int = 50
    # Further conditions a platform translates from its own query words.
    where: tuple[ColumnElement[bool], ...] = ()


def list_orders(session: Session, store_id: int, query: OrderQuery) -> tuple[list[OrderState], int]:
    """A page of the store's orders, newest first, and how many match in all."""
    conditions: list[ColumnElement[bool]] = [col(Order.store_id) == store_id]
    if query.refs is not None:
        conditions.append(col(Order.ref).in_(list(query.refs)))
    if query.created_from is not None:
        conditions.append(col(Order.created_at) >= query.created_from)
    if query.created_to is not None:
        conditions.append(col(Order.created_at) <= query.created_to)
    if query.updated_from is not None:
        conditions.append(col(Order.updated_at) >= query.updated_from)
    if query.updated_to is not None:
        conditions.append(col(Order.updated_at) <= query.updated_to)
    conditions.extend(query.where)
    total = session.exec(select(func.count()).select_from(Order).where(*conditions)).one()
    page = session.connection().execute(
        _ORDER_PAGE.where(*conditions)
        .order_by(col(Order.created_at).desc(), col(Order.id).desc())
        .offset(query.offset)
        .limit(query.limit)
    )
    return load_states(session, [value_of(Order, row) for row in page]), int(total)
