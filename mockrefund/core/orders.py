"""Orders as the rules and the renderers see them: rows with their running totals, and
their refunds when an answer lists them.

An order's line items and payments carry what its refunds add up to (`core.totals`), so
`load_state` reads three rows' worth (the order, its items, its payments) however many
refunds the order has. The refunds themselves are read only for answers that show them:
all of an order's (`with_refunds`), a page of them (`refund_page`), or one (`refund_of`).
`load_states` reads any number of orders with a fixed number of queries, never one query
per order.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func
from sqlalchemy import select as table_select
from sqlmodel import Session, SQLModel, col, select

from mockrefund.core import totals
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


@dataclass(frozen=True)
class LineState:
    """A line item and what its refunds add up to (its running totals)."""

    item: LineItem

    @property
    def refunded(self) -> int:
        """Units of succeeded refunds."""
        return self.item.refunded_quantity

    @property
    def refunding(self) -> int:
        """Units of pending refunds."""
        return self.item.refunding_quantity

    @property
    def refunded_amount(self) -> Decimal:
        return self.item.refunded_amount

    @property
    def refunding_amount(self) -> Decimal:
        return self.item.refunding_amount

    @property
    def returned(self) -> int:
        """Units of pending and succeeded refunds declared as coming back after shipping."""
        return self.item.returned_quantity

    @property
    def refunded_unshipped(self) -> int:
        """Units of pending and succeeded refunds not declared as returned: they are taken
        from the units not yet shipped."""
        return self.refunded + self.refunding - self.returned

    @property
    def refundable(self) -> int:
        return self.item.quantity - self.refunded - self.refunding

    @property
    def unshipped(self) -> int:
        return self.item.quantity - self.item.shipped_quantity


@dataclass(frozen=True)
class PaymentState:
    payment: Payment

    @property
    def refunded(self) -> Decimal:
        """Money of pending and succeeded refunds sent back through this payment."""
        return self.payment.refunded_amount

    @property
    def refundable(self) -> Decimal:
        return self.payment.amount - self.refunded


@dataclass
class OrderState:
    order: Order
    lines: list[LineState] = field(default_factory=list)
    payments: list[PaymentState] = field(default_factory=list)
    # The order's refunds, oldest first, when they were read (`with_refunds`); None when
    # not: the rules and most answers need only the totals.
    loaded_refunds: list[RefundState] | None = None

    @property
    def refunds(self) -> list[RefundState]:
        """Every refund of the order; only for states read `with_refunds`."""
        if self.loaded_refunds is None:
            raise LookupError(f"the refunds of order {self.order.ref} were not read")
        return self.loaded_refunds

    @property
    def refunded_amount(self) -> Decimal:
        return self.order.refunded_amount

    @property
    def refunding_amount(self) -> Decimal:
        return self.order.refunding_amount

    @property
    def refundable_amount(self) -> Decimal:
        return self.order.total - self.refunded_amount - self.refunding_amount

    @property
    def refunded_shipping(self) -> Decimal:
        """Shipping of pending and succeeded refunds."""
        return self.order.refunded_shipping

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
        return self.order.pending_refunds > 0

    @property
    def fully_refunded(self) -> bool:
        """Everything paid has come back, through refunds that succeeded."""
        return self.order.total > ZERO and self.refunded_amount >= self.order.total

    def line(self, line_item_id: int) -> LineState:
        for line in self.lines:
            if line.item.id == line_item_id:
                return line
        raise KeyError(line_item_id)


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
    """The order with its items and payments (and their totals), not its refunds.
    `attached`: as ORM rows the session tracks, for code that changes them; otherwise
    plain values (faster)."""
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


def with_change(state: OrderState, change: totals.Change, order: Order) -> OrderState:
    """The order as `change` leaves it (its row now `order`, before the change's totals),
    computed rather than read again. `state` is left as it was: it may be shared."""
    assert order.id is not None
    return OrderState(
        totals.applied(order, change.orders.get(order.id)),
        [
            LineState(totals.applied(line.item, change.lines.get(line.item.id or 0)))
            for line in state.lines
        ],
        [
            PaymentState(totals.applied(p.payment, change.payments.get(p.payment.id or 0)))
            for p in state.payments
        ],
    )


def load_states(
    session: Session, orders: Sequence[Order], attached: bool = False, refunds: bool = False
) -> list[OrderState]:
    """Attach items and payments (and every refund, if `refunds`) to the given orders."""
    states = {order.id: OrderState(order) for order in orders}
    if not states:
        return []
    ids = list(states)
    rows = _attached_rows if attached else _plain_rows

    for item in rows(session, LineItem, "order_id", ids):
        states[item.order_id].lines.append(LineState(item))
    for payment in rows(session, Payment, "order_id", ids):
        states[payment.order_id].payments.append(PaymentState(payment))
    if refunds:
        for state in states.values():
            state.loaded_refunds = []
        for refund in _with_children(session, _plain_rows(session, Refund, "order_id", ids)):
            states[refund.refund.order_id].refunds.append(refund)
    return [states[order.id] for order in orders]


def with_refunds(session: Session, state: OrderState) -> OrderState:
    """The state with every refund of its order, oldest first (for answers listing them)."""
    assert state.order.id is not None
    refunds = _with_children(session, _plain_rows(session, Refund, "order_id", [state.order.id]))
    return replace(state, loaded_refunds=refunds)


def refund_page(
    session: Session, order_id: int, offset: int, limit: int | None, newest_first: bool = False
) -> list[RefundState]:
    """A page of the order's refunds: oldest first by id, or newest first by creation."""
    refunds = _REFUNDS_OF_ORDER.order_by(*(_NEWEST_FIRST if newest_first else _OLDEST_FIRST))
    page = session.connection().execute(refunds.offset(offset).limit(limit), {"order_id": order_id})
    return _with_children(session, [value_of(Refund, row) for row in page])


def counted_refund_page(
    session: Session, order_id: int, offset: int, limit: int
) -> tuple[list[RefundState], int]:
    """A page of the order's refunds, newest first, and how many the order has in all.

    Counted by the statement that reads the page: on PostgreSQL each statement of a read
    sees the data as it is when it starts, and a count of its own could include a refund
    created after the page was read. A page past the end counts with a statement of its
    own (there is no page it could disagree with)."""
    query = _COUNTED_PAGE.offset(offset).limit(limit)
    rows = session.connection().execute(query, {"order_id": order_id}).all()
    if not rows:
        return [], _refund_count(session, order_id) if offset else 0
    refunds = [value_of(Refund, row) for row in rows]
    return _with_children(session, refunds), int(rows[0].refunds_in_all)


def _refund_count(session: Session, order_id: int) -> int:
    return int(session.connection().execute(_REFUND_COUNT, {"order_id": order_id}).scalar_one())


def refund_of(
    session: Session, order: Order, refund_ref: str, lock: bool = False
) -> RefundState | None:
    """The order's refund with this platform id, with its lines and transactions; None
    when the order has no such refund. Found by the sandbox's index of refund ids, so it
    costs the same however many refunds the order has. `lock`: its row, on PostgreSQL."""
    query = _REFUND_BY_REF.with_for_update() if lock else _REFUND_BY_REF
    row = (
        session.connection()
        .execute(query, {"sandbox_id": order.sandbox_id, "ref": refund_ref, "order_id": order.id})
        .first()
    )
    if row is None:
        return None
    return _with_children(session, [value_of(Refund, row)])[0]


def _with_children(session: Session, refunds: list[Refund]) -> list[RefundState]:
    """The refunds with their lines and transactions (two queries for all of them)."""
    states = {refund.id: RefundState(refund) for refund in refunds}
    if states:
        ids = list(states)
        for line in _plain_rows(session, RefundLine, "refund_id", ids):
            states[line.refund_id].lines.append(line)
        for tx in _plain_rows(session, RefundTransaction, "refund_id", ids):
            states[tx.refund_id].transactions.append(tx)
    return list(states.values())


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
_REFUNDS, _ORDERS = _TABLES[Refund], _TABLES[Order]
_REFUNDS_OF_ORDER = table_select(_REFUNDS).where(_REFUNDS.c.order_id == bindparam("order_id"))
_OLDEST_FIRST = (_REFUNDS.c.id,)
_NEWEST_FIRST = (_REFUNDS.c.created_at.desc(), _REFUNDS.c.id.desc())
# A page of an order's refunds with how many it has in all, in one statement (on
# PostgreSQL each statement sees the data as of its start, so the two agree): the count
# is the order's running `refund_count`, not a count of its refunds.
_COUNTED_PAGE = (
    table_select(_REFUNDS, _ORDERS.c.refund_count.label("refunds_in_all"))
    .join(_ORDERS, _ORDERS.c.id == _REFUNDS.c.order_id)
    .where(_REFUNDS.c.order_id == bindparam("order_id"))
    .order_by(*_NEWEST_FIRST)
)
_REFUND_COUNT = table_select(_ORDERS.c.refund_count).where(_ORDERS.c.id == bindparam("order_id"))
_REFUND_BY_REF = table_select(_REFUNDS).where(
    _REFUNDS.c.sandbox_id == bindparam("sandbox_id"),
    _REFUNDS.c.ref == bindparam("ref"),
    _REFUNDS.c.order_id == bindparam("order_id"),
)


def _plain_rows(session: Session, model: type[M], parent: str, ids: list[Any]) -> list[M]:
    result = session.connection().execute(_CHILDREN[model, parent], {"ids": ids})
    return [value_of(model, row) for row in result]


def _attached_rows(session: Session, model: type[M], parent: str, ids: list[Any]) -> list[M]:
    table = _TABLES[model]
    query = select(model).where(table.c[parent].in_(ids)).order_by(table.c.id)
    return list(session.exec(query))


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
    # Whether the orders' answers show their refunds (read for the page's orders only).
    with_refunds: bool = False


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
    orders = [value_of(Order, row) for row in page]
    return load_states(session, orders, refunds=query.with_refunds), int(total)
