"""`GET orders.json`: the filters, and the `page_info` cursor behind the `Link` header.

A cursor carries the filters and the offset of its page, so following `rel="next"`
needs nothing but `limit` and `page_info`, as with SHOPLINE. Every filter is SQL, so a
page loads only its own orders: the financial and fulfilment states, which derive from
refunds and shipments, are computed in the query by the same rules as `render`.
"""

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, case, false, func, not_, or_, type_coerce
from sqlalchemy import select as sql_select
from sqlmodel import col

from mockrefund.core.models import LineItem, Order
from mockrefund.core.orders import OrderState
from mockrefund.core.values import table_of
from mockrefund.platforms.shopline import render
from mockrefund.web.text import is_digits

STATUSES = ("open", "cancelled", "any")
FINANCIAL_STATUSES = (
    "unpaid",
    "authorized",
    "pending",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "any",
)
# The query's words for the order's fulfillment_status (null, partial, fulfilled).
FULFILLMENT_STATUSES: Mapping[str, str | None] = {
    "unshipped": None,
    "partial": "partial",
    "shipped": "fulfilled",
}
MAX_IDS = 100


class BadQuery(ValueError):
    pass


@dataclass(frozen=True)
class OrderFilter:
    ids: tuple[str, ...] | None = None
    status: str = "open"
    financial_status: str = "any"
    fulfillment_status: str = "any"
    since_id: str | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> "OrderFilter":
        ids = None
        if params.get("ids"):
            ids = tuple(part.strip() for part in params["ids"].split(",") if part.strip())
            if len(ids) > MAX_IDS:
                raise BadQuery(f"ids takes at most {MAX_IDS} order ids")
        status = params.get("status") or "open"
        if status not in STATUSES:
            raise BadQuery("status value is illegal")
        financial = params.get("financial_status") or "any"
        if financial not in FINANCIAL_STATUSES:
            raise BadQuery("financial status value is illegal")
        fulfillment = params.get("fulfillment_status") or "any"
        if fulfillment != "any" and fulfillment not in FULFILLMENT_STATUSES:
            raise BadQuery("fulfillment status value is illegal")
        since_id = params.get("since_id") or None
        if since_id is not None and not is_digits(since_id):
            raise BadQuery("since_id must be an order id")
        return cls(ids, status, financial, fulfillment, since_id)

    def conditions(self) -> tuple[ColumnElement[bool], ...]:
        """The filters in SQL, so a page loads only its own orders."""
        found: list[ColumnElement[bool]] = []
        if self.financial_status != "any":
            found.append(_financial_status(self.financial_status))
        if self.fulfillment_status != "any":
            found.append(_fulfillment_status(FULFILLMENT_STATUSES[self.fulfillment_status]))
        if self.status != "any":
            word = func.coalesce(
                func.nullif(col(Order.status), ""),
                case((col(Order.cancelled), "cancelled"), else_="open"),
            )
            found.append(word == self.status)
        if self.since_id is not None:
            # Ids are digit strings longer than 64-bit integers: longer is larger, and at
            # equal length the text compares as the number does.
            since = self.since_id.lstrip("0") or "0"
            length = func.length(col(Order.ref))
            found.append(
                or_(length > len(since), and_(length == len(since), col(Order.ref) > since))
            )
        return tuple(found)

    def matches(self, state: OrderState) -> bool:
        if self.status != "any" and render.order_status(state) != self.status:
            return False
        if self.financial_status != "any" and (
            render.financial_status(state) != self.financial_status
        ):
            return False
        if self.fulfillment_status != "any" and (
            render.fulfillment_status(state) != FULFILLMENT_STATUSES[self.fulfillment_status]
        ):
            return False
        ref = state.order.ref
        return self.since_id is None or (
            is_digits(ref) and _as_number(ref) > _as_number(self.since_id)
        )


# `render.financial_status` and `render.fulfillment_status` in SQL. Money is compared in
# the stored integer units (core.money), on both sides.
_ORDERS, _ITEMS = table_of(Order), table_of(LineItem)


def _units(column: Any) -> Any:
    return type_coerce(column, BigInteger)


def _financial_status(word: str) -> ColumnElement[bool]:
    # Refunded or being refunded (the order's running totals): a failed refund gives its
    # money back.
    counted = _units(_ORDERS.c.refunded_amount) + _units(_ORDERS.c.refunding_amount)
    total = _units(_ORDERS.c.total)
    paid = _ORDERS.c.paid.is_(True)
    refunded = and_(total > 0, counted >= total)
    if word == "unpaid":
        return _ORDERS.c.paid.is_(False)
    if word == "refunded":
        return and_(paid, refunded)
    if word == "partially_refunded":
        return and_(paid, not_(refunded), counted > 0)
    if word == "paid":
        return and_(paid, not_(refunded), not_(counted > 0))
    return false()  # authorized, pending, partially_paid: no order of the mock is in them


def _fulfillment_status(word: str | None) -> ColumnElement[bool]:
    def total(column: Any) -> Any:
        return (
            sql_select(func.coalesce(func.sum(column), 0))
            .where(_ITEMS.c.order_id == _ORDERS.c.id)
            .scalar_subquery()
        )

    shipped, ordered = total(_ITEMS.c.shipped_quantity), total(_ITEMS.c.quantity)
    fulfilled = and_(ordered > 0, shipped >= ordered)
    partial = and_(shipped > 0, shipped < ordered)
    if word == "fulfilled":
        return fulfilled
    if word == "partial":
        return partial
    return and_(not_(fulfilled), not_(partial))


def _as_number(digits: str) -> tuple[int, str]:
    """A digit string's order as a number, without int(): since_id may be 10,000 digits,
    past the 4,300 that int() takes."""
    significant = digits.lstrip("0")
    return len(significant), significant


# The largest offset a cursor may carry: far past any store, and within a signed 64-bit
# integer, which is what the databases take.
MAX_OFFSET = 2**53


def encode_cursor(filters: OrderFilter, offset: int) -> str:
    data = {**asdict(filters), "offset": offset}
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[OrderFilter, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data: Any = json.loads(raw)
        offset = data.pop("offset")
        ids = data.pop("ids")
        # Through the query parser again, so a hand-made cursor meets the same checks.
        query = {key: str(value) for key, value in data.items() if value is not None}
        filters = OrderFilter.from_query({**query, "ids": ",".join(ids or ())})
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError):
        raise BadQuery("page_info is invalid") from None
    # A hand-made cursor may say anything: only a plain integer (not a boolean, which
    # Python counts as one) that a database can take as an offset.
    if type(offset) is not int or not 0 <= offset <= MAX_OFFSET:
        raise BadQuery("page_info is invalid")
    return filters, offset


def link_header(base: str, limit: int, previous: str | None, following: str | None) -> str:
    links = []
    if previous is not None:
        links.append(f'<{base}?limit={limit}&page_info={previous}>; rel="previous"')
    if following is not None:
        links.append(f'<{base}?limit={limit}&page_info={following}>; rel="next"')
    return ", ".join(links)
