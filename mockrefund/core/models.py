"""The tables, shared by every platform.

Every row belongs to a sandbox, and every query names it, so one server and one database
serve many isolated worlds; the default sandbox is simply the first of them.

Platform ids (`ref` columns) are strings as the platform shows them; the integer `id`
columns are internal. What an order's refunds add up to ("refunded so far", per order,
line item and payment) is kept on those rows as running totals, changed in the same
transaction as the refunds (see `core.totals`): the rules and most answers read them
instead of every earlier refund.
"""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from mockrefund.core.columns import MoneyType, UtcTimestamp
from mockrefund.core.money import ZERO


def _money(default: Decimal | None = ZERO) -> Any:
    return Field(default=default, sa_type=MoneyType)


def _total(money: bool = False) -> Any:
    """A running total (core.totals): zero until a refund adds to it, in rows written by
    any code, the ORM's or not."""
    if money:
        return Field(default=ZERO, sa_type=MoneyType, sa_column_kwargs={"server_default": "0"})
    return Field(default=0, sa_column_kwargs={"server_default": "0"})


def _time(nullable: bool = False) -> Any:
    return Field(default=None, sa_type=UtcTimestamp, nullable=nullable)


def _json() -> Any:
    return Field(default_factory=dict, sa_type=JSON)


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class GatewayBehaviour(StrEnum):
    """What a payment's gateway does when asked to refund."""

    REFUND = "refund"
    FAIL = "fail"
    UNSUPPORTED = "unsupported"


class Sandbox(SQLModel, table=True):
    """An isolated world: its own data, clock and id sequences."""

    id: str = Field(primary_key=True, max_length=64)
    seed: int = 0
    # The fixture set's name, and the hidden sandbox that holds its pristine copy:
    # a reset copies the template again.
    fixtures: str = ""
    template: str = ""
    created_at: datetime = _time()
    # Wall time of the last request (updated at most once a minute), for idle expiry.
    last_used_at: datetime | None = _time(nullable=True)
    # The mock clock: mock_now = anchor_mock + (wall_now - anchor_wall) * scale, or
    # anchor_mock while frozen. Kept here so every worker process agrees on the time.
    clock_anchor_wall: datetime = _time()
    clock_anchor_mock: datetime = _time()
    clock_scale: float = 1.0
    clock_frozen: bool = False
    # The platforms' rate limits, switched on for this sandbox by the control plane.
    kakaclo_rate_limit: bool = False
    shopline_rate_limit: bool = False
    # Wall time a reset in steps began (a big sandbox on SQLite, see `Runtime.reset`);
    # until it ends, requests to the sandbox are answered "busy".
    resetting_since: datetime | None = _time(nullable=True)


class Sequence(SQLModel, table=True):
    """Deterministic ids per sandbox, so a test can predict the next refund number."""

    sandbox_id: str = Field(primary_key=True, max_length=64)
    # "<platform>:<store handle>:<sequence>"
    name: str = Field(primary_key=True, max_length=200)
    next_value: int


class Store(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("sandbox_id", "platform", "handle"),)

    id: int | None = Field(default=None, primary_key=True)
    sandbox_id: str = Field(max_length=64, index=True)
    platform: str = Field(max_length=32)
    handle: str
    name: str = ""
    currency: str = "USD"
    attributes: dict[str, Any] = _json()


class Credential(SQLModel, table=True):
    """A token (Kakaclo, SHOPLINE) or a consumer key and secret (WooCommerce)."""

    __table_args__ = (
        UniqueConstraint("sandbox_id", "platform", "key"),
        Index("ix_credential_store", "store_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sandbox_id: str = Field(max_length=64, index=True)
    store_id: int = Field(foreign_key="store.id")
    platform: str = Field(max_length=32)
    key: str
    secret: str | None = None
    permissions: str = "read_write"
    expires_at: datetime | None = _time(nullable=True)


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("store_id", "ref"),
        Index("ix_orders_store_created", "store_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sandbox_id: str = Field(max_length=64, index=True)
    store_id: int = Field(foreign_key="store.id")
    ref: str
    number: str | None = None
    # The platform's own status word when it is not derived from the facts below
    # (WooCommerce stores one, and keeps `refunded` even when a refund is deleted).
    status: str | None = None
    paid: bool = True
    cancelled: bool = False
    currency: str = "USD"
    presentment_currency: str = "USD"
    # Units of presentment currency per unit of store currency.
    exchange_rate: str = "1"
    subtotal: Decimal = _money()
    shipping: Decimal = _money()
    tax: Decimal = _money()
    discount: Decimal = _money()
    total: Decimal = _money()
    gateway: str | None = None
    created_at: datetime = _time()
    updated_at: datetime = _time()
    paid_at: datetime | None = _time(nullable=True)
    cancelled_at: datetime | None = _time(nullable=True)
    # Forced outcome for every refund of this order (fixtures or the control plane).
    refund_outcome: str | None = None
    refund_settle_seconds: int | None = None
    attributes: dict[str, Any] = _json()
    # Running totals of the order's refunds (core.totals): money of succeeded refunds,
    # money of pending ones, shipping of both, and how many are pending.
    refunded_amount: Decimal = _total(money=True)
    refunding_amount: Decimal = _total(money=True)
    refunded_shipping: Decimal = _total(money=True)
    pending_refunds: int = _total()
    # How many refunds the order has, in every status: a page of them says how many
    # there are without counting them.
    refund_count: int = _total()


class LineItem(SQLModel, table=True):
    __table_args__ = (Index("ix_lineitem_order", "order_id"),)

    id: int | None = Field(default=None, primary_key=True)
    sandbox_id: str = Field(max_length=64, index=True)
    order_id: int = Field(foreign_key="orders.id")
    ref: str
    sku: str = ""
    name: str = ""
    product_id: str | None = None
    variant_id: str | None = None
    quantity: int
    shipped_quantity: int = 0
    unit_price: Decimal = _money()
    # Whole-line amounts (not per unit).
    tax: Decimal = _money()
    discount: Decimal = _money()
    location_id: str | None = None
    attributes: dict[str, Any] = _json()
    # Running totals of the refund lines of this item (core.totals): units and money
    # (without tax) of succeeded refunds and of pending ones, and the units of both that
    # were declared as coming back after shipping (SHOPLINE's `Returned`).
    refunded_quantity: int = _total()
    refunding_quantity: int = _total()
    refunded_amount: Decimal = _total(money=True)
    refunding_amount: Decimal = _total(money=True)
    returned_quantity: int = _total()


class Payment(SQLModel, table=True):
    """A payment slip (SHOPLINE's `230…` ids) or the order's one payment elsewhere."""

    __table_args__ = (Index("ix_payment_order", "order_id"),)

    id: int | None = Field(default=None, primary_key=True)
    sandbox_id: str = Field(max_length=64, index=True)
    order_id: int = Field(foreign_key="orders.id")
    ref: str
    gateway: str = ""
    title: str = ""
    amount: Decimal = _money()
    currency: str = "USD"
    behaviour: str = GatewayBehaviour.REFUND
    created_at: datetime = _time()
    # Running total (core.totals): money sent back through this payment by pending and
    # succeeded refunds.
    refunded_amount: Decimal = _total(money=True)


class Refund(SQLModel, table=True):
    __table_args__ = (
        Index("ix_refund_order", "order_id"),
        # An order's refunds newest first, a page at a time, however many it has.
        Index("ix_refund_order_newest", "order_id", "created_at", "id"),
        # The settling sweep: pending refunds of a sandbox, by due time.
        Index("ix_refund_due", "sandbox_id", "status", "settles_at"),
        # A refund looked up by its platform id (Kakaclo's query takes a refund number).
        Index("ix_refund_ref", "sandbox_id", "ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sandbox_id: str = Field(max_length=64, index=True)
    order_id: int = Field(foreign_key="orders.id")
    ref: str
    amount: Decimal = _money()
    shipping_amount: Decimal = _money()
    reason: str = ""
    note: str = ""
    status: str = RefundStatus.PENDING
    # The scheduled transition, as data: at `settles_at` the refund becomes `outcome`.
    outcome: str = RefundStatus.SUCCEEDED
    settles_at: datetime | None = _time(nullable=True)
    # Or: settles on the status read after this many reads (a forced outcome's choice).
    settle_after_reads: int | None = None
    reads: int = 0
    settled_at: datetime | None = _time(nullable=True)
    created_at: datetime = _time()
    updated_at: datetime = _time()
    attributes: dict[str, Any] = _json()


class RefundLine(SQLModel, table=True):
    # Every foreign key has an index: deleting a sandbox checks each reference, and
    # without one each check scans the whole table (quadratic in the sandbox's size).
    __table_args__ = (
        Index("ix_refundline_refund", "refund_id"),
        Index("ix_refundline_line_item", "line_item_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sandbox_id: str = Field(max_length=64, index=True)
    refund_id: int = Field(foreign_key="refund.id")
    line_item_id: int = Field(foreign_key="lineitem.id")
    ref: str = ""
    quantity: int = 0
    amount: Decimal = _money()
    tax: Decimal = _money()
    restock_type: str | None = None
    kind: str | None = None
    location_id: str | None = None


class RefundTransaction(SQLModel, table=True):
    """Money sent back through one payment; its status follows its refund's."""

    __table_args__ = (
        Index("ix_refundtx_refund", "refund_id"),
        Index("ix_refundtx_payment", "payment_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sandbox_id: str = Field(max_length=64, index=True)
    refund_id: int = Field(foreign_key="refund.id")
    payment_id: int | None = Field(default=None, foreign_key="payment.id")
    ref: str = ""
    amount: Decimal = _money()
    currency: str = "USD"
    gateway: str = ""
    kind: str = "refund"


class ForcedOutcome(SQLModel, table=True):
    """A queued order from the control plane: the next matching refund ends so."""

    id: int | None = Field(default=None, primary_key=True)
    sandbox_id: str = Field(max_length=64, index=True)
    # Narrowing: a platform, and an order of it; None matches any.
    platform: str | None = None
    order_ref: str | None = None
    outcome: str = RefundStatus.SUCCEEDED
    after_seconds: float | None = None
    after_reads: int | None = None
    remaining: int = 1
    created_at: datetime = _time()
