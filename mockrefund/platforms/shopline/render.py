"""Orders and refunds in SHOPLINE's shape.

Money is a string with 2 decimals; every `*_set` gives it in the order's presentment
currency and in the store's (`shop_money`), the former at the order's exchange rate.
The create response writes times as epoch milliseconds in a string (`create_at`); the
queries write ISO-8601 with an offset (`created_at`).
"""

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mockrefund.core.columns import to_millis
from mockrefund.core.models import Order, RefundStatus
from mockrefund.core.money import ZERO, fmt2
from mockrefund.core.orders import LineState, OrderState, RefundState
from mockrefund.core.refunds import RefundPreview
from mockrefund.web.text import is_digits

TRANSACTION_STATUS = {
    RefundStatus.PENDING: "pending",
    RefundStatus.SUCCEEDED: "success",
    RefundStatus.FAILED: "failure",
}
INT64_MAX = 2**63 - 1


def millis(moment: datetime) -> str:
    return str(to_millis(moment))


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def long_id(ref: str) -> int | str:
    """Ids SHOPLINE types as `long` are numbers on the wire, when they fit one."""
    return int(ref) if is_digits(ref) and int(ref) <= INT64_MAX else ref


def money_set(amount: Decimal, order: Order) -> dict[str, Any]:
    presentment = amount * Decimal(order.exchange_rate)
    return {
        "presentment_money": {
            "amount": fmt2(presentment),
            "currency_code": order.presentment_currency,
        },
        "shop_money": {"amount": fmt2(amount), "currency_code": order.currency},
    }


def _priced(name: str, amount: Decimal, order: Order) -> dict[str, Any]:
    return {name: fmt2(amount), f"{name}_set": money_set(amount, order)}


# --- refunds ---------------------------------------------------------------------------


def adjustment_id(refund_ref: str, index: int) -> str:
    # Adjustments are not stored: they follow from the refund, and so do their ids.
    return f"{refund_ref}{index:02d}"


def order_adjustments(refund: RefundState, order: Order) -> list[dict[str, Any]]:
    """Shipping refunded, and any difference between the money sent and what the lines
    and shipping add up to (a positive discrepancy refunds more than they do)."""
    row = refund.refund
    calculated = sum((line.amount + line.tax for line in refund.lines), ZERO) + row.shipping_amount
    entries: list[tuple[str, str, Decimal]] = []
    if row.shipping_amount > ZERO:
        entries.append(("shipping_refund", "Shipping refund", row.shipping_amount))
    if row.amount != calculated:
        entries.append(("refund_discrepancy", "Refund discrepancy", row.amount - calculated))
    return [
        {
            **_priced("amount", amount, order),
            "id": adjustment_id(row.ref, index),
            "kind": kind,
            "order_id": order.ref,
            "reason": reason,
            "refund_id": row.ref,
            **_priced("tax_amount", ZERO, order),
        }
        for index, (kind, reason, amount) in enumerate(entries, start=1)
    ]


def _refund_line(refund: RefundState, state: OrderState, nested: bool) -> list[dict[str, Any]]:
    lines = {line.item.id: line for line in state.lines}
    unshipped_refunds = unshipped_refunded(state)
    result = []
    for row in refund.lines:
        line = lines[row.line_item_id]
        entry: dict[str, Any] = {
            "id": long_id(row.ref),
            "line_item_id": long_id(line.item.ref),
            "location_id": row.location_id,
            "quantity": row.quantity,
            "restock_type": row.restock_type,
            **_priced("subtotal", row.amount, state.order),
            **_priced("total_tax", row.tax, state.order),
        }
        if nested:
            entry["line_item"] = line_item(line, state.order, unshipped_refunds)
        result.append(entry)
    return result


def _slip_refs(state: OrderState) -> dict[int | None, str]:
    return {p.payment.id: p.payment.ref for p in state.payments}


def created(refund: RefundState, state: OrderState) -> dict[str, Any]:
    """The answer to `POST order/refund.json`, field for field as the seed page lists it."""
    row = refund.refund
    order = state.order
    slips = _slip_refs(state)
    status = TRANSACTION_STATUS[RefundStatus(row.status)]
    return {
        "data": {
            "create_at": millis(row.created_at),
            "id": row.ref,
            "note": row.note,
            "order_adjustments": order_adjustments(refund, order),
            "order_id": order.ref,
            "refund_line_items": _refund_line(refund, state, nested=False),
            "total_duties_set": money_set(ZERO, order),
            "transactions": [
                {
                    "amount": fmt2(tx.amount),
                    "create_at": millis(row.created_at),
                    "currency": tx.currency,
                    "id": slips.get(tx.payment_id, tx.ref),
                    "kind": tx.kind,
                    "order_id": order.ref,
                    "processed_at": millis(row.updated_at),
                    "status": status,
                }
                for tx in refund.transactions
            ],
        }
    }


def refund(refund: RefundState, state: OrderState) -> dict[str, Any]:
    """A refund as the refund queries (and an order's `refunds`) show it."""
    row = refund.refund
    order = state.order
    slips = _slip_refs(state)
    status = TRANSACTION_STATUS[RefundStatus(row.status)]
    return {
        "id": row.ref,
        "order_id": order.ref,
        "note": row.note,
        "user_id": None,
        "created_at": iso(row.created_at),
        "processed_at": iso(row.created_at),
        "order_adjustments": order_adjustments(refund, order),
        "refund_line_items": _refund_line(refund, state, nested=True),
        "total_duties_set": money_set(ZERO, order),
        "transactions": [
            {
                "id": tx.ref,
                "parent_id": slips.get(tx.payment_id),
                "amount": fmt2(tx.amount),
                "currency": tx.currency,
                "gateway": tx.gateway,
                "kind": tx.kind,
                "order_id": order.ref,
                "status": status,
                "created_at": iso(row.created_at),
                "processed_at": iso(row.updated_at),
            }
            for tx in refund.transactions
        ],
    }


# --- orders ----------------------------------------------------------------------------


def unshipped_refunded(state: OrderState) -> Counter[int]:
    """Units per line item refunded other than as `Returned`: they are taken from the
    units not yet shipped, which will then never be fulfilled."""
    units: Counter[int] = Counter()
    for refund_state in state.refunds:
        if refund_state.counts:
            for row in refund_state.lines:
                if row.kind != "returned":
                    units[row.line_item_id] += row.quantity
    return units


def line_fulfillment_status(line: LineState) -> str | None:
    if line.item.shipped_quantity >= line.item.quantity:
        return "fulfilled"
    if line.item.shipped_quantity > 0:
        return "partial"
    return None


def line_item(line: LineState, order: Order, unshipped_refunds: Counter[int]) -> dict[str, Any]:
    item = line.item
    assert item.id is not None
    fulfillable = max(line.unshipped - unshipped_refunds[item.id], 0)
    return {
        "id": long_id(item.ref),
        "product_id": item.product_id,
        "variant_id": item.variant_id,
        "sku": item.sku,
        "title": item.name,
        "name": item.name,
        **_priced("price", item.unit_price, order),
        "quantity": item.quantity,
        "fulfillable_quantity": fulfillable,
        "fulfillment_status": line_fulfillment_status(line),
        "location_id": item.location_id,
        **_priced("total_discount", item.discount, order),
        "tax_lines": [{"title": "Tax", **_priced("price", item.tax, order)}]
        if item.tax > ZERO
        else [],
    }


def counted_refunds(state: OrderState) -> Decimal:
    """Money refunded or being refunded; a failed refund gives it back."""
    return sum((r.refund.amount for r in state.refunds if r.counts), ZERO)


def financial_status(state: OrderState) -> str:
    order = state.order
    if not order.paid:
        return "unpaid"
    refunded = counted_refunds(state)
    if order.total > ZERO and refunded >= order.total:
        return "refunded"
    if refunded > ZERO:
        return "partially_refunded"
    return "paid"


def fulfillment_status(state: OrderState) -> str | None:
    if state.fully_shipped:
        return "fulfilled"
    if state.partially_shipped:
        return "partial"
    return None


def order_status(state: OrderState) -> str:
    if state.order.status:
        return state.order.status
    return "cancelled" if state.order.cancelled else "open"


def order(state: OrderState) -> dict[str, Any]:
    row = state.order
    unshipped_refunds = unshipped_refunded(state)
    refunded = counted_refunds(state)
    updated = max([row.updated_at, *(r.refund.updated_at for r in state.refunds)])
    return {
        "id": row.ref,
        "name": f"#{row.number}" if row.number else None,
        "order_number": row.number,
        "status": order_status(state),
        "financial_status": financial_status(state),
        "fulfillment_status": fulfillment_status(state),
        "currency": row.currency,
        "presentment_currency": row.presentment_currency,
        "created_at": iso(row.created_at),
        "updated_at": iso(updated),
        "processed_at": iso(row.paid_at),
        "cancelled_at": iso(row.cancelled_at),
        **_priced("subtotal_price", row.subtotal - row.discount, row),
        **_priced("total_tax", row.tax, row),
        **_priced("total_discounts", row.discount, row),
        **_priced("total_shipping_price", row.shipping, row),
        **_priced("total_price", row.total, row),
        **_priced("current_total_price", row.total - refunded, row),
        "total_outstanding": fmt2(ZERO if row.paid else row.total),
        "line_items": [line_item(line, row, unshipped_refunds) for line in state.lines],
        "shipping_lines": [{"title": "Shipping", **_priced("price", row.shipping, row)}]
        if row.shipping > ZERO
        else [],
        "payment_details": [
            {
                "pay_seq": p.payment.ref,
                "pay_status": "paid",
                "pay_channel": p.payment.gateway,
                "pay_amount": fmt2(p.payment.amount),
                "settle_currency": p.payment.currency,
            }
            for p in state.payments
        ],
        "refunds": [refund(r, state) for r in state.refunds],
    }


# --- the refund trial ------------------------------------------------------------------


def trial(preview: RefundPreview, types: Mapping[str, str | None], currency: str) -> dict[str, Any]:
    """The calculate response; `transactons` is SHOPLINE's own spelling and stays so."""
    state = preview.state
    order = state.order
    total = sum((p.amount + p.tax for p in preview.lines), ZERO) + preview.shipping
    suggestions = []
    left = total
    for payment in state.payments:
        maximum = max(payment.refundable, ZERO)
        share = min(left, maximum)
        left -= share
        suggestions.append(
            {
                "amount": fmt2(share),
                "currency": payment.payment.currency,
                "gateway": payment.payment.gateway,
                "kind": "suggested_refund",
                "maximum_refundable": fmt2(maximum),
                "order_id": order.ref,
                "parent_id": payment.payment.ref,
            }
        )
    return {
        "refund": {
            "currency": currency,
            "refund_line_items": [
                {
                    "discount_total_amount": fmt2(
                        p.line.item.discount * p.quantity / p.line.item.quantity
                    ),
                    "line_item_id": p.line.item.ref,
                    "price": fmt2(p.line.item.unit_price),
                    "quantity": p.quantity,
                    "subtotal": fmt2(p.amount),
                    "total_tax": fmt2(p.tax),
                    "type": types.get(p.line.item.ref),
                }
                for p in preview.lines
            ],
            "shipping": {
                "amount": fmt2(preview.shipping),
                "maximum_refundable": fmt2(max(state.refundable_shipping, ZERO)),
                "tax": fmt2(ZERO),
            },
            "total_duties_set": money_set(ZERO, order),
            "transactons": suggestions,
        }
    }
