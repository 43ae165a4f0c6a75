"""Orders and refunds in Kakaclo's shape.

Status fields use the literal string "NULL" for "none", as Kakaclo does; money is written
as numbers with 4 decimals; times as ISO-8601 UTC with `Z`.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from mockrefund.core.models import RefundStatus
from mockrefund.core.money import ZERO, fmt4
from mockrefund.core.orders import LineState, OrderState, RefundState
from mockrefund.web.text import is_digits, utc_z

NULL = "NULL"

REFUND_STATUS = {
    RefundStatus.PENDING: "pending_review",
    RefundStatus.SUCCEEDED: "refund_successfully",
    RefundStatus.FAILED: "refund_failed",
}


iso = utc_z


def refund_number(ref: str) -> int | str:
    """The create call answers the number itself (the seed shows `10002`)."""
    return int(ref) if is_digits(ref) and len(ref) < 19 else ref


# A refund's reason when none was given (the refund call's default; fixture refunds
# without one show it too).
DEFAULT_REASON = "Other"


def refund_entry(state: RefundState, order_ref: str) -> dict[str, Any]:
    refund = state.refund
    return {
        "refundNo": refund.ref,
        "refundStatus": REFUND_STATUS[RefundStatus(refund.status)],
        "id": order_ref,
        "remark": refund.note or None,
        "reason": refund.reason or DEFAULT_REASON,
    }


def order_status(state: OrderState) -> str:
    order = state.order
    if order.status:
        return order.status
    if order.cancelled:
        return "cancel"
    if not order.paid:
        return "waiting_payment"
    return "processing"


def fulfillment_status(state: OrderState) -> str:
    if state.fully_shipped:
        return "fully_shipped"
    if state.partially_shipped:
        return "partially_shipped"
    if state.order.paid and not state.order.cancelled:
        return "waiting_to_ship"
    return NULL


def order_refund_status(state: OrderState) -> str:
    if state.has_pending_refund:
        return "refunding"
    if state.fully_refunded:
        return "refunded"
    if state.refunded_amount > ZERO:
        return "partial_refund"
    return NULL


def item_refund_status(line: LineState) -> str:
    if line.refunding:
        return "refunding"
    if line.refunded:
        return "refunded"
    return NULL


def _money(value: Decimal) -> Decimal:
    return fmt4(value)


def _last_refund_date(state: OrderState) -> datetime | None:
    dates = [
        r.refund.settled_at
        for r in state.refunds
        if r.status == RefundStatus.SUCCEEDED and r.refund.settled_at is not None
    ]
    return max(dates, default=None)


def modify_date(state: OrderState) -> datetime:
    moments = [state.order.updated_at]
    moments += [r.refund.updated_at for r in state.refunds]
    return max(moments)


def order(state: OrderState) -> dict[str, Any]:
    row = state.order
    attrs = row.attributes
    return {
        "id": row.ref,
        "customOrderId": attrs.get("customOrderId"),
        "remark": attrs.get("remark"),
        "status": order_status(state),
        "financialStatus": "paid" if row.paid else "waiting",
        "fulfillmentStatus": fulfillment_status(state),
        "refundStatus": order_refund_status(state),
        "purchaseDate": iso(row.created_at),
        "payDate": iso(row.paid_at),
        "cancelDate": iso(row.cancelled_at),
        "refundDate": iso(_last_refund_date(state)),
        "createDate": iso(row.created_at),
        "modifyDate": iso(modify_date(state)),
        "warehouseId": attrs.get("warehouseId"),
        "currencyCode": row.currency,
        "finalAmount": _money(row.total),
        "freightAmount": _money(row.shipping),
        "subTotalAmount": _money(row.subtotal),
        "couponAmount": _money(row.discount),
        "promotionAmount": _money(ZERO),
        "refundableAmount": _money(max(state.refundable_amount, ZERO)),
        "refundedAmount": _money(state.refunded_amount),
        "shippingAddress": attrs.get("shippingAddress"),
        "fulfillments": _fulfillments(state),
        "orderItems": [_item(line) for line in state.lines],
    }


def _item(line: LineState) -> dict[str, Any]:
    item = line.item
    attrs = item.attributes
    return {
        "id": str(attrs.get("id", item.ref)),
        "itemId": item.ref,
        "refundStatus": item_refund_status(line),
        "imageUrl": attrs.get("imageUrl"),
        "productName": item.name,
        "productNum": item.quantity,
        "skuCode": item.sku,
        "option1": attrs.get("option1"),
        "option2": attrs.get("option2"),
        "option3": attrs.get("option3"),
        "stockStatus": attrs.get("stockStatus", "normal"),
        "countryCode": attrs.get("countryCode"),
        "amount": _money(item.unit_price),
        "total": _money(item.unit_price * item.quantity),
    }


def _fulfillments(state: OrderState) -> list[dict[str, Any]] | None:
    shipped = [line for line in state.lines if line.item.shipped_quantity > 0]
    if not shipped:
        return None
    package = state.order.attributes.get("package", {})
    return [
        {
            "id": package.get("id", f"KA{state.order.ref}_1"),
            "packId": package.get("id", f"KA{state.order.ref}_1"),
            "status": "shipped",
            "carrier": package.get("carrier"),
            "trackingCode": package.get("trackingCode"),
            "items": [
                {
                    "itemId": line.item.ref,
                    "skuCode": line.item.sku,
                    "productNum": line.item.shipped_quantity,
                }
                for line in shipped
            ],
        }
    ]
