"""Running totals: what an order's refunds add up to, kept on the order, its line items
and its payments.

The rules (what is left to refund of a line, a payment, the shipping, the order) and most
answers read these totals instead of every earlier refund, so a refund costs the same
whether its order has one earlier refund or thousands.

A refund adds to the totals by its status: a pending one to the "refunding" figures, a
succeeded one to the "refunded" figures, a failed one nothing (it gives its units and
money back). Whatever happens to a refund (written, settled, its amount edited, deleted)
changes the totals by what it adds afterwards less what it added before (`Change`).

A change is written in the same transaction as the refund, as relative updates
(`x = x + :delta`), never as a value computed from an earlier read, so changes made at
the same time add up instead of overwriting each other. The order's row is written before
its line items and payments: every writer of an order's totals holds the order's row
lock first (a refund being created locks it before reading anything), so on PostgreSQL
no two writers wait for each other in opposite orders, and a refund being created sees
the totals it checked unchanged until it commits.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import String, Table, bindparam, func, update
from sqlalchemy import select as sql_select
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from mockrefund.core.columns import UtcTimestamp
from mockrefund.core.models import (
    LineItem,
    Order,
    Payment,
    Refund,
    RefundLine,
    RefundStatus,
    RefundTransaction,
)
from mockrefund.core.values import table_of, value_of

Number = int | Decimal
# Per row (by id): what to add to each of its total columns.
Deltas = dict[str, Number]
Row = TypeVar("Row", bound=SQLModel)

ORDER_TOTALS = (
    "refunded_amount",
    "refunding_amount",
    "refunded_shipping",
    "pending_refunds",
    "refund_count",
)
LINE_TOTALS = (
    "refunded_quantity",
    "refunding_quantity",
    "refunded_amount",
    "refunding_amount",
    "returned_quantity",
)
PAYMENT_TOTALS = ("refunded_amount",)


@dataclass
class Change:
    """What to add to the totals of each order, line item and payment (by id)."""

    orders: dict[int, Deltas] = field(default_factory=dict)
    lines: dict[int, Deltas] = field(default_factory=dict)
    payments: dict[int, Deltas] = field(default_factory=dict)

    def add(self, other: "Change", sign: int = 1) -> "Change":
        """Add `other` (subtract it, with `sign` -1) to this change; returns this one."""
        for mine, theirs in (
            (self.orders, other.orders),
            (self.lines, other.lines),
            (self.payments, other.payments),
        ):
            for row_id, deltas in theirs.items():
                _add(mine.setdefault(row_id, {}), deltas, sign)
        return self


def order_figures(status: str, amount: Decimal, shipping: Decimal) -> Deltas:
    """What a refund in `status` adds to its order's totals."""
    if status == RefundStatus.FAILED:
        return {}
    pending = status == RefundStatus.PENDING
    return {
        "refunding_amount" if pending else "refunded_amount": amount,
        "refunded_shipping": shipping,
        "pending_refunds": 1 if pending else 0,
    }


def line_figures(status: str, quantity: int, amount: Decimal, kind: str | None) -> Deltas:
    """What a refund line of a refund in `status` adds to its line item's totals."""
    if status == RefundStatus.FAILED:
        return {}
    pending = status == RefundStatus.PENDING
    return {
        "refunding_quantity" if pending else "refunded_quantity": quantity,
        "refunding_amount" if pending else "refunded_amount": amount,
        "returned_quantity": quantity if kind == "returned" else 0,
    }


def payment_figures(status: str, amount: Decimal) -> Deltas:
    """What a transaction of a refund in `status` adds to its payment's total."""
    return {} if status == RefundStatus.FAILED else {"refunded_amount": amount}


def contribution(
    refund: Refund,
    lines: Iterable[RefundLine],
    transactions: Iterable[RefundTransaction],
    status: str | None = None,
) -> Change:
    """What `refund`, with these lines and transactions, adds to the totals while it is in
    `status` (by default its own)."""
    status = refund.status if status is None else status
    change = Change()
    # A refund counts in its order's `refund_count` in every status.
    figures = order_figures(status, refund.amount, refund.shipping_amount)
    change.orders[refund.order_id] = {**figures, "refund_count": 1}
    for line in lines:
        figures = line_figures(status, line.quantity, line.amount, line.kind)
        _add(change.lines.setdefault(line.line_item_id, {}), figures)
    for tx in transactions:
        if tx.payment_id is not None:
            figures = payment_figures(status, tx.amount)
            _add(change.payments.setdefault(tx.payment_id, {}), figures)
    return change


def add_to(row: SQLModel, deltas: Mapping[str, Number]) -> None:
    """Add to the totals of a row being built (fixtures, before it is written)."""
    for column, delta in deltas.items():
        setattr(row, column, getattr(row, column) + delta)


def applied(row: Row, deltas: Mapping[str, Number] | None) -> Row:
    """A copy of a plain row value with `deltas` added: the row as the change leaves it."""
    if not deltas:
        return row
    return row.model_copy(update={c: getattr(row, c) + d for c, d in deltas.items()})


def write(
    conn: Connection,
    change: Change,
    touched_at: datetime | None = None,
    status: str | None = None,
) -> None:
    """Add `change` to the rows, orders first (see the module's doc). `touched_at` and
    `status`, when given, become the changed orders' `updated_at` and status word in the
    same statement."""
    orders = [
        {"row_id": row_id, "touched_at": touched_at, "new_status": status, **params}
        for row_id, params in _params(change.orders, ORDER_TOTALS, every=touched_at is not None)
    ]
    for statement, params in (
        (_ORDER_UPDATE, orders),
        (_UPDATES[LineItem], [{"row_id": i, **p} for i, p in _params(change.lines, LINE_TOTALS)]),
        (
            _UPDATES[Payment],
            [{"row_id": i, **p} for i, p in _params(change.payments, PAYMENT_TOTALS)],
        ),
    ):
        if params:
            conn.execute(statement, params)


def settle(conn: Connection, settled: list[Refund]) -> None:
    """Move refunds that have just left `pending` (now in their final status) from the
    "refunding" figures to their outcome's. Reads only these refunds' lines, and the
    transactions of those that failed (a success leaves a payment's total as it was)."""
    if not settled:
        return
    lines = _by_refund(conn, RefundLine, [r.id for r in settled])
    failed = [r.id for r in settled if r.status == RefundStatus.FAILED]
    transactions = _by_refund(conn, RefundTransaction, failed) if failed else {}
    change = Change()
    for refund in settled:
        assert refund.id is not None
        own_lines = lines.get(refund.id, [])
        own_transactions = transactions.get(refund.id, [])
        change.add(contribution(refund, own_lines, own_transactions))
        before = contribution(refund, own_lines, own_transactions, RefundStatus.PENDING)
        change.add(before, sign=-1)
    write(conn, change)


def _add(into: Deltas, deltas: Mapping[str, Number], sign: int = 1) -> None:
    for column, delta in deltas.items():
        into[column] = into.get(column, 0) + sign * delta


def _params(
    rows: Mapping[int, Deltas], columns: tuple[str, ...], every: bool = False
) -> list[tuple[int, dict[str, Number]]]:
    """Each row's parameters (every column, zero where unchanged), by id: PostgreSQL locks
    the rows in this order. Rows with nothing to add are left out, unless `every`."""
    found = []
    for row_id in sorted(rows):
        deltas = rows[row_id]
        if not every and not any(deltas.values()):
            continue
        found.append((row_id, {_delta_name(c): deltas.get(c, 0) for c in columns}))
    return found


def _delta_name(column: str) -> str:
    return f"add_{column}"


def _increments(table: Table, columns: tuple[str, ...]) -> dict[str, Any]:
    return {
        column: table.c[column] + bindparam(_delta_name(column), type_=table.c[column].type)
        for column in columns
    }


_ORDERS = table_of(Order)
# Built once: they run in every refund's transaction.
_ORDER_UPDATE = (
    update(_ORDERS)
    .where(_ORDERS.c.id == bindparam("row_id"))
    .values(
        updated_at=func.coalesce(
            bindparam("touched_at", type_=UtcTimestamp()), _ORDERS.c.updated_at
        ),
        status=func.coalesce(bindparam("new_status", type_=String()), _ORDERS.c.status),
        **_increments(_ORDERS, ORDER_TOTALS),
    )
)
_UPDATES = {
    model: update(table_of(model))
    .where(table_of(model).c.id == bindparam("row_id"))
    .values(**_increments(table_of(model), columns))
    for model, columns in ((LineItem, LINE_TOTALS), (Payment, PAYMENT_TOTALS))
}
_OF_REFUNDS = {
    model: sql_select(table_of(model))
    .where(table_of(model).c.refund_id.in_(bindparam("ids", expanding=True)))
    .order_by(table_of(model).c.id)
    for model in (RefundLine, RefundTransaction)
}


def _by_refund(
    conn: Connection, model: type[RefundLine] | type[RefundTransaction], refund_ids: list[Any]
) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    for row in conn.execute(_OF_REFUNDS[model], {"ids": refund_ids}):
        value = value_of(model, row)
        found.setdefault(value.refund_id, []).append(value)
    return found
