"""Creating, changing and deleting refunds: the rules, once for every platform.

Each command is one write transaction: due settlements are applied, the order is locked,
every rule is checked, and only then is anything written. A rule that fails raises a
`DomainError` and the transaction rolls back, so a refused request changes nothing.

The rules check the running totals of the order, its items and its payments
(`core.totals`), never the list of earlier refunds, and a command changes the totals in
its own transaction: creating, changing or deleting a refund reads and writes the same
rows however many refunds the order already has.

Platforms differ in a few rules (Kakaclo refuses shipped orders, WooCommerce settles at
once and marks a fully refunded order `refunded`); they say so with a `RefundPolicy`.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal, NamedTuple

from sqlalchemy import bindparam, insert
from sqlalchemy import delete as delete_rows
from sqlalchemy import update as update_rows
from sqlmodel import Session, select

from mockrefund.core import errors, ids, lifecycle, outcomes, totals
from mockrefund.core.models import (
    ForcedOutcome,
    GatewayBehaviour,
    LineItem,
    Order,
    Refund,
    RefundLine,
    RefundStatus,
    RefundTransaction,
    Store,
)
from mockrefund.core.money import FOUR_PLACES, ZERO
from mockrefund.core.orders import (
    LineState,
    OrderState,
    RefundState,
    load_state,
    read_order,
    refund_of,
    with_change,
)
from mockrefund.core.values import table_of
from mockrefund.db import Database

ShippingState = Literal["unshipped", "returned"]


def _plain_number(_kind: str, number: int) -> str:
    return str(number)


@dataclass(frozen=True)
class IdScheme:
    """How a platform numbers what a refund creates.

    `sequences` maps a kind ("refund", "refund_line", "transaction") to the name of the
    store's sequence it draws from (kinds may share one, as WordPress posts do); a kind
    without a sequence gets no id of its own. `starts` gives a sequence's first value when
    the fixtures set none.
    """

    sequences: Mapping[str, str]
    starts: Mapping[str, int] = field(default_factory=dict)
    format: Callable[[str, int], str] = _plain_number

    def next(self, session: Session, store: Store, kind: str) -> str:
        sequence = self.sequences.get(kind)
        if sequence is None:
            return ""
        number = ids.next_id(
            session,
            store.sandbox_id,
            sequence_name(store, sequence),
            self.starts.get(sequence, 1),
        )
        return self.format(kind, number)


def sequence_name(store: Store, sequence: str) -> str:
    return f"{store.platform}:{store.handle}:{sequence}"


@dataclass(frozen=True)
class RefundPolicy:
    ids: IdScheme
    refuse_shipped: bool = False
    refuse_cancelled: bool = False
    refuse_unpaid: bool = False
    # Status words that close an order to refunds (Kakaclo's `completed`).
    refuse_statuses: frozenset[str] = frozenset()
    # False: the refund is final when created (WooCommerce); True: pending, then settles.
    asynchronous: bool = True
    # The order's status word once everything is refunded (WooCommerce's `refunded`).
    status_when_fully_refunded: str | None = None
    # WooCommerce checks only money: lines may name 0 units, or more than are left,
    # and lines naming items the order does not have are skipped.
    limit_line_quantities: bool = True
    skip_unknown_items: bool = False


@dataclass(frozen=True)
class ItemSelector:
    """Names one line of the order: by its id, narrowed by SKU and attributes if given."""

    ref: str
    sku: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)

    def matches(self, item: LineItem) -> bool:
        if item.ref != self.ref:
            return False
        if self.sku is not None and item.sku != self.sku:
            return False
        return all(str(item.attributes.get(k)) == v for k, v in self.attributes.items())


@dataclass(frozen=True)
class LineRequest:
    item: ItemSelector
    quantity: int
    # Money for the line; by default its share of the line's price, tax and discount.
    amount: Decimal | None = None
    tax: Decimal | None = None
    shipping_state: ShippingState | None = None
    restock_type: str | None = None
    location_id: str | None = None


@dataclass(frozen=True)
class TransactionRequest:
    payment_ref: str
    amount: Decimal
    gateway: str | None = None
    kind: str = "refund"


@dataclass(frozen=True)
class RefundRequest:
    order_ref: str
    # None: everything that is left (items, shipping, money).
    lines: Sequence[LineRequest] | None = None
    # Money refunded; by default what the lines and shipping add up to.
    amount: Decimal | None = None
    shipping: Decimal | None = None
    transactions: Sequence[TransactionRequest] = ()
    reason: str = ""
    note: str = ""
    ask_gateway: bool = False
    attributes: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Lifecycle:
    """What the settlement plan needs from the settings."""

    delays: lifecycle.DelayPolicy
    seed: int = 0


@dataclass
class _Line:
    state: LineState
    quantity: int
    amount: Decimal
    tax: Decimal
    request: LineRequest


class Created(NamedTuple):
    refund: RefundState
    # The order as it is with the new refund, computed from the state the rules checked
    # (for platforms that answer with order figures), not read again.
    order: OrderState


def create(
    db: Database,
    store: Store,
    request: RefundRequest,
    policy: RefundPolicy,
    life: Lifecycle,
    now: datetime,
    forced_queued: bool = True,
) -> Created:
    """Check and write a refund, in one transaction. `forced_queued`: False when the
    sandbox is known to have no forced outcome waiting (none is looked for)."""
    refused_by: str | None = None
    with db.write() as session:
        lifecycle.settle_due(session, store.sandbox_id, now)
        assert store.id is not None
        state = load_state(session, store.id, request.order_ref, lock=True)
        _check_order(state, policy)
        lines = _resolve_lines(state, request, policy)
        shipping = _resolve_shipping(state, request)
        amount = _resolve_amount(state, request, lines, shipping)
        payments = _resolve_transactions(state, request)
        if request.ask_gateway:
            _ask_gateway(state)
        forced = (
            outcomes.take(session, store.sandbox_id, store.platform, state.order.ref)
            if forced_queued
            else None
        )
        if forced is not None and not policy.asynchronous and forced.outcome == RefundStatus.FAILED:
            # A refund that is final at once can only fail by its gateway refusing it. The
            # forced outcome is used up (committed) while nothing of the refund is written.
            refused_by = state.order.gateway or "the payment gateway"
        else:
            return _write(
                session,
                store,
                state,
                request,
                policy,
                life,
                now,
                lines,
                shipping,
                amount,
                payments,
                forced,
            )
    raise errors.GatewayRefundFailed(refused_by or "")


@dataclass(frozen=True)
class PlannedLine:
    """One line of a refund that has been checked but not written."""

    line: LineState
    quantity: int
    amount: Decimal
    tax: Decimal


@dataclass(frozen=True)
class RefundPreview:
    state: OrderState
    lines: list[PlannedLine]
    shipping: Decimal


def preview(
    db: Database, store: Store, request: RefundRequest, policy: RefundPolicy
) -> RefundPreview:
    """What `create` would refund for these lines and shipping, by the same rules, writing
    nothing (SHOPLINE's refund trial). Money and transactions are left to the caller."""
    with db.read() as session:
        assert store.id is not None
        state = load_state(session, store.id, request.order_ref)
        _check_order(state, policy)
        lines = _resolve_lines(state, request, policy)
        shipping = _resolve_shipping(state, request)
    planned = [PlannedLine(line.state, line.quantity, line.amount, line.tax) for line in lines]
    return RefundPreview(state, planned, shipping)


def _check_order(state: OrderState, policy: RefundPolicy) -> None:
    order = state.order
    if policy.refuse_cancelled and order.cancelled:
        raise errors.OrderCancelled(order.ref)
    if policy.refuse_unpaid and not order.paid:
        raise errors.OrderUnpaid(order.ref)
    if order.status in policy.refuse_statuses:
        raise errors.OrderClosed(order.ref, order.status or "")
    if policy.refuse_shipped and state.shipped_units > 0:
        raise errors.OrderShipped(order.ref, partially=state.partially_shipped)


def _resolve_lines(state: OrderState, request: RefundRequest, policy: RefundPolicy) -> list[_Line]:
    if request.lines is None:
        lines = [
            _Line(
                line,
                line.refundable,
                *_share(line, line.refundable),
                LineRequest(ItemSelector(line.item.ref), line.refundable),
            )
            for line in state.lines
            if line.refundable > 0
        ]
        if not lines and state.refundable_amount <= ZERO:
            raise errors.NothingToRefund(state.order.ref)
        return lines

    wanted: dict[int, int] = {}
    declared: dict[tuple[int, ShippingState], int] = {}
    resolved: list[_Line] = []
    for line_request in request.lines:
        found = _match(state, line_request.item, required=not policy.skip_unknown_items)
        if found is None:
            continue
        line = found
        lowest = 1 if policy.limit_line_quantities else 0
        if line_request.quantity < lowest:
            raise errors.InvalidQuantity(line_request.item.ref, line_request.quantity)
        assert line.item.id is not None
        total = wanted.get(line.item.id, 0) + line_request.quantity
        wanted[line.item.id] = total
        if policy.limit_line_quantities and total > line.refundable:
            raise errors.QuantityExceedsRefundable(line.item.ref, total, max(line.refundable, 0))
        if line_request.shipping_state is not None:
            key = (line.item.id, line_request.shipping_state)
            declared[key] = declared.get(key, 0) + line_request.quantity
            _check_shipping_state(line, line_request.shipping_state, declared[key])
        amount, tax = _share(line, line_request.quantity, earlier=total - line_request.quantity)
        if line_request.amount is not None:
            amount = line_request.amount
        if line_request.tax is not None:
            tax = line_request.tax
        if amount < ZERO or tax < ZERO:
            raise errors.InvalidAmount(
                f"refund amounts for item {line.item.ref} must not be negative"
            )
        resolved.append(_Line(line, line_request.quantity, amount, tax, line_request))
    return resolved


def _match(state: OrderState, selector: ItemSelector, required: bool = True) -> LineState | None:
    for line in state.lines:
        if selector.matches(line.item):
            return line
    if required:
        raise errors.ItemNotInOrder(selector.ref, state.order.ref)
    return None


def _check_shipping_state(line: LineState, state: ShippingState, requested: int) -> None:
    """Units refunded as never shipped must fit the unshipped ones, and units refunded as
    returned the shipped ones, counting the earlier refunds of the line too."""
    item = line.item
    earlier_returned = line.returned
    earlier_unshipped = line.refunded_unshipped
    if state == "unshipped" and earlier_unshipped + requested > line.unshipped:
        raise errors.ItemShippingStateMismatch(
            item.ref,
            "unshipped",
            f"line item {item.ref} has been shipped; refund it as Returned",
        )
    if state == "returned" and earlier_returned + requested > item.shipped_quantity:
        raise errors.ItemShippingStateMismatch(
            item.ref,
            "returned",
            f"line item {item.ref} has not been shipped; refund it as Unshipped",
        )


def _share(line: LineState, quantity: int, earlier: int = 0) -> tuple[Decimal, Decimal]:
    """The line's money for `quantity` more units: price less discount, and tax.

    Pro rata, but rounded so that the units' shares add up to the line's money exactly:
    the first n units of a line are worth its money * n / quantity, rounded, and each
    refund takes the difference between that for the units taken so far (by earlier
    refunds, and `earlier` ones of the same request) and for those plus its own. So
    refunding 3 units one at a time gives what refunding the 3 at once would, to the
    last 0.0001.
    """
    if line.item.quantity <= 0:
        return ZERO, ZERO
    taken = line.refunded + line.refunding + earlier
    net_after, tax_after = _money_of_units(line.item, taken + quantity)
    net_before, tax_before = _money_of_units(line.item, taken)
    return net_after - net_before, tax_after - tax_before


def _money_of_units(item: LineItem, units: int) -> tuple[Decimal, Decimal]:
    net = item.unit_price * units - item.discount * units / item.quantity
    tax = item.tax * units / item.quantity
    return net.quantize(FOUR_PLACES), tax.quantize(FOUR_PLACES)


def _resolve_shipping(state: OrderState, request: RefundRequest) -> Decimal:
    if request.lines is None and request.shipping is None:
        return max(state.refundable_shipping, ZERO)
    shipping = request.shipping or ZERO
    if shipping < ZERO:
        raise errors.InvalidAmount("the shipping refund must not be negative")
    if shipping > state.refundable_shipping:
        raise errors.ShippingExceedsRefundable(shipping, max(state.refundable_shipping, ZERO))
    return shipping


def _resolve_amount(
    state: OrderState, request: RefundRequest, lines: list[_Line], shipping: Decimal
) -> Decimal:
    if request.amount is not None:
        amount = request.amount
    elif request.lines is None:
        amount = state.refundable_amount
    else:
        amount = sum((line.amount + line.tax for line in lines), ZERO) + shipping
    if amount < ZERO:
        raise errors.InvalidAmount("the refund amount must not be negative")
    if amount > state.refundable_amount:
        raise errors.AmountExceedsRefundable(amount, max(state.refundable_amount, ZERO))
    return amount


def _resolve_transactions(
    state: OrderState, request: RefundRequest
) -> list[tuple[TransactionRequest, int | None]]:
    by_ref = {p.payment.ref: p for p in state.payments}
    taken: dict[str, Decimal] = {}
    resolved: list[tuple[TransactionRequest, int | None]] = []
    for tx in request.transactions:
        payment = by_ref.get(tx.payment_ref)
        if payment is None:
            raise errors.PaymentNotInOrder(tx.payment_ref, state.order.ref)
        if tx.amount < ZERO:
            raise errors.InvalidAmount("a transaction amount must not be negative")
        total = taken.get(tx.payment_ref, ZERO) + tx.amount
        taken[tx.payment_ref] = total
        if total > payment.refundable:
            raise errors.PaymentExceedsRefundable(
                tx.payment_ref, total, max(payment.refundable, ZERO)
            )
        resolved.append((tx, payment.payment.id))
    return resolved


def _ask_gateway(state: OrderState) -> None:
    """The order's gateway, when it supports refunds, must accept this one."""
    for payment in state.payments:
        if payment.payment.behaviour == GatewayBehaviour.FAIL:
            raise errors.GatewayRefundFailed(payment.payment.gateway)


def _write(
    session: Session,
    store: Store,
    state: OrderState,
    request: RefundRequest,
    policy: RefundPolicy,
    life: Lifecycle,
    now: datetime,
    lines: list[_Line],
    shipping: Decimal,
    amount: Decimal,
    transactions: list[tuple[TransactionRequest, int | None]],
    forced: ForcedOutcome | None,
) -> Created:
    order = state.order
    assert order.id is not None
    ref = policy.ids.next(session, store, "refund")
    if policy.asynchronous:
        plan = lifecycle.plan(
            order,
            (request.reason, request.note),
            life.delays,
            life.seed,
            f"{store.platform}:{store.handle}:{ref}",
            now,
            forced,
        )
        status, outcome, settles_at, settled_at = (
            RefundStatus.PENDING,
            plan.outcome,
            plan.settles_at,
            None,
        )
        if settles_at is not None and settles_at <= now:
            status, settled_at = plan.outcome, now
        after_reads = plan.after_reads
    else:
        status = outcome = RefundStatus.SUCCEEDED
        settles_at = settled_at = now
        after_reads = None

    refund = Refund(
        sandbox_id=store.sandbox_id,
        order_id=order.id,
        ref=ref,
        amount=amount,
        shipping_amount=shipping,
        reason=request.reason,
        note=request.note,
        status=status,
        outcome=outcome,
        settles_at=settles_at,
        settle_after_reads=after_reads,
        settled_at=settled_at,
        created_at=now,
        updated_at=now,
        attributes=dict(request.attributes),
    )
    refund.id = _insert(session, refund)
    result = RefundState(refund)
    for line in lines:
        assert line.state.item.id is not None
        row = RefundLine(
            sandbox_id=store.sandbox_id,
            refund_id=refund.id,
            line_item_id=line.state.item.id,
            ref=policy.ids.next(session, store, "refund_line"),
            quantity=line.quantity,
            amount=line.amount,
            tax=line.tax,
            restock_type=line.request.restock_type,
            kind=line.request.shipping_state,
            location_id=line.request.location_id or line.state.item.location_id,
        )
        row.id = _insert(session, row)
        result.lines.append(row)
    for tx, payment_id in transactions:
        payment = next(p.payment for p in state.payments if p.payment.id == payment_id)
        tx_row = RefundTransaction(
            sandbox_id=store.sandbox_id,
            refund_id=refund.id,
            payment_id=payment_id,
            ref=policy.ids.next(session, store, "transaction") or tx.payment_ref,
            amount=tx.amount,
            currency=payment.currency,
            gateway=tx.gateway or payment.gateway,
            kind=tx.kind,
        )
        tx_row.id = _insert(session, tx_row)
        result.transactions.append(tx_row)

    fully_refunded = (
        policy.status_when_fully_refunded is not None
        and order.total > ZERO
        and amount >= state.refundable_amount
    )
    word = policy.status_when_fully_refunded if fully_refunded else None
    change = totals.contribution(refund, result.lines, result.transactions)
    totals.write(session.connection(), change, touched_at=now, status=word)
    order_after = order.model_copy(update={"updated_at": now, "status": word or order.status})
    return Created(result, with_change(state, change, order_after))


# Refunds are written with Core statements: the rows are new and nothing reads them back
# through this session, so the ORM's unit of work would only add its bookkeeping.
_INSERTS = {
    model: insert(table_of(model)).returning(table_of(model).c.id)
    for model in (Refund, RefundLine, RefundTransaction)
}


def _insert(session: Session, row: Refund | RefundLine | RefundTransaction) -> int:
    """Insert a new row; its id."""
    values = row.model_dump(exclude={"id"})
    return int(session.connection().execute(_INSERTS[type(row)], values).scalar_one())


def find(session: Session, store: Store, refund_ref: str) -> tuple[Refund, Order]:
    """A refund of the store, with its order; `RefundNotFound` when there is none."""
    row = session.exec(
        select(Refund, Order)
        .join(Order, Order.id == Refund.order_id)  # type: ignore[arg-type]
        .where(
            Refund.sandbox_id == store.sandbox_id,
            Refund.ref == refund_ref,
            Order.store_id == store.id,
        )
    ).first()
    if row is None:
        raise errors.RefundNotFound(refund_ref)
    return row[0], row[1]


def update(
    db: Database,
    store: Store,
    order_ref: str,
    refund_ref: str,
    now: datetime,
    reason: str | None = None,
    amount: Decimal | None = None,
) -> RefundState:
    """Change a refund's reason or amount (WooCommerce's edit)."""
    with db.write() as session:
        assert store.id is not None
        order, before = _locked(session, store, order_ref, refund_ref)
        edits: dict[str, object] = {"updated_at": now}
        if amount is not None:
            refundable = order.total - order.refunded_amount - order.refunding_amount
            others = refundable + (before.refund.amount if before.counts else ZERO)
            if amount < ZERO:
                raise errors.InvalidAmount("the refund amount must not be negative")
            if amount > others:
                raise errors.AmountExceedsRefundable(amount, others)
            edits["amount"] = amount
        if reason is not None:
            edits["reason"] = reason
        # A plain value (not tracked by the session): copied with the edits, written by id.
        changed = before.refund.model_copy(update=edits)
        conn = session.connection()
        conn.execute(
            _REFUND_UPDATE,
            {
                "refund_id": changed.id,
                "amount": changed.amount,
                "reason": changed.reason,
                "updated_at": now,
            },
        )
        # Only the money differs: the lines and transactions add the same before and after.
        change = totals.contribution(changed, (), ())
        totals.write(conn, change.add(totals.contribution(before.refund, (), ()), sign=-1))
        return RefundState(changed, before.lines, before.transactions)


def delete(db: Database, store: Store, order_ref: str, refund_ref: str) -> None:
    """Remove a refund and what belongs to it; the order keeps its status word."""
    with db.write() as session:
        assert store.id is not None
        _, refund = _locked(session, store, order_ref, refund_ref)
        conn = session.connection()
        for statement in _DELETES:
            conn.execute(statement, {"refund_id": refund.refund.id})
        change = totals.contribution(refund.refund, refund.lines, refund.transactions)
        totals.write(conn, totals.Change().add(change, sign=-1))


def _locked(
    session: Session, store: Store, order_ref: str, refund_ref: str
) -> tuple[Order, RefundState]:
    """The refund of the order, then the order (with its totals as they are now), each
    locked on PostgreSQL in the order settling takes them (the refund's row, then its
    order's), so that an edit and a settlement never wait for each other both ways."""
    assert store.id is not None
    order = read_order(session, store.id, order_ref)
    found = refund_of(session, order, refund_ref, lock=True)
    if found is None:
        find(session, store, refund_ref)  # raises RefundNotFound when it exists nowhere
        raise errors.RefundNotInOrder(refund_ref, order.ref)
    return read_order(session, store.id, order_ref, lock=True), found


_REFUNDS = table_of(Refund)
_REFUND_UPDATE = (
    update_rows(_REFUNDS)
    .where(_REFUNDS.c.id == bindparam("refund_id"))
    .values(
        amount=bindparam("amount", type_=_REFUNDS.c.amount.type),
        reason=bindparam("reason"),
        updated_at=bindparam("updated_at", type_=_REFUNDS.c.updated_at.type),
    )
)
# Children first: their foreign keys name the refund.
_DELETES = [
    delete_rows(table_of(model)).where(table_of(model).c.refund_id == bindparam("refund_id"))
    for model in (RefundLine, RefundTransaction)
] + [delete_rows(_REFUNDS).where(_REFUNDS.c.id == bindparam("refund_id"))]
