"""What happens to an order outside the refund APIs: shipping, cancelling, paying, and
how its payment gateway answers refunds. The control plane drives these in tests."""

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session, select

from mockrefund.core import errors
from mockrefund.core.models import GatewayBehaviour, Order, Payment, Store
from mockrefund.core.orders import OrderState, find_order, load_states
from mockrefund.db import Database


class StoreNotFound(errors.NotFound):
    def __init__(self, platform: str, handle: str | None) -> None:
        which = f"store {handle!r}" if handle else "store"
        super().__init__(f"no {platform} {which} in this sandbox")


class InvalidChange(errors.DomainError):
    pass


def find_store(session: Session, sandbox_id: str, platform: str, handle: str | None) -> Store:
    """A store of the platform: the one named, or the first one when none is named."""
    query = select(Store).where(Store.sandbox_id == sandbox_id, Store.platform == platform)
    if handle:
        query = query.where(Store.handle == handle)
    store = session.exec(query.order_by(Store.id)).first()  # type: ignore[arg-type]
    if store is None:
        raise StoreNotFound(platform, handle)
    return store


def _changed(session: Session, order: Order, now: datetime, status: str | None) -> OrderState:
    order.updated_at = now
    if status is not None:
        order.status = status
    session.add(order)
    session.flush()
    return load_states(session, [order], attached=True)[0]


def ship(
    db: Database,
    store: Store,
    order_ref: str,
    items: Mapping[str, int] | None,
    now: datetime,
    status_when_all_shipped: str | None = None,
) -> OrderState:
    """Ship the named quantities (every unit still unshipped when `items` is None)."""
    with db.write() as session:
        assert store.id is not None
        order = find_order(session, store.id, order_ref, lock=True)
        state = load_states(session, [order], attached=True)[0]
        by_ref = {line.item.ref: line.item for line in state.lines}
        wanted = (
            dict(items)
            if items is not None
            else {ref: item.quantity - item.shipped_quantity for ref, item in by_ref.items()}
        )
        for ref, quantity in wanted.items():
            item = by_ref.get(ref)
            if item is None:
                raise errors.ItemNotInOrder(ref, order_ref)
            if quantity < 0 or item.shipped_quantity + quantity > item.quantity:
                raise InvalidChange(
                    f"item {ref}: cannot ship {quantity} more; "
                    f"{item.quantity - item.shipped_quantity} of {item.quantity} are unshipped"
                )
            item.shipped_quantity += quantity
            session.add(item)
        all_shipped = all(i.shipped_quantity >= i.quantity for i in by_ref.values())
        return _changed(session, order, now, status_when_all_shipped if all_shipped else None)


def cancel(
    db: Database, store: Store, order_ref: str, now: datetime, status: str | None
) -> OrderState:
    with db.write() as session:
        assert store.id is not None
        order = find_order(session, store.id, order_ref, lock=True)
        order.cancelled = True
        order.cancelled_at = now
        return _changed(session, order, now, status)


def mark_paid(
    db: Database,
    store: Store,
    order_ref: str,
    now: datetime,
    unpaid_words: tuple[str, ...] = (),
    paid_word: str = "processing",
) -> OrderState:
    """Paid now; a status word that meant "unpaid" moves on to `paid_word`."""
    with db.write() as session:
        assert store.id is not None
        order = find_order(session, store.id, order_ref, lock=True)
        order.paid = True
        order.paid_at = now
        moved = paid_word if order.status in unpaid_words else None
        return _changed(session, order, now, moved)


def set_gateway(
    db: Database, store: Store, order_ref: str, behaviour: GatewayBehaviour, now: datetime
) -> OrderState:
    """How the order's payments answer refunds; an order without one gets one."""
    with db.write() as session:
        assert store.id is not None
        order = find_order(session, store.id, order_ref, lock=True)
        assert order.id is not None
        payments = list(session.exec(select(Payment).where(Payment.order_id == order.id)))
        if not payments:
            gateway = order.gateway or "manual"
            payments = [
                Payment(
                    sandbox_id=order.sandbox_id,
                    order_id=order.id,
                    ref=f"{order.ref}-{gateway}",
                    gateway=gateway,
                    title=gateway,
                    amount=order.total,
                    currency=order.currency,
                    created_at=now,
                )
            ]
        for payment in payments:
            payment.behaviour = behaviour
            session.add(payment)
        return _changed(session, order, now, None)
