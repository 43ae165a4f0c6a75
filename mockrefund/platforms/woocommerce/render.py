"""Refunds and orders in the legacy v3 shape: money as 2-decimal strings, UTC `...Z` times."""

from decimal import Decimal
from typing import Any

from mockrefund.core.models import LineItem
from mockrefund.core.money import ZERO, fmt2
from mockrefund.core.orders import LineState, OrderState, RefundState
from mockrefund.web.text import is_digits, utc_z

iso = utc_z


def _int_or_text(value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if is_digits(value) and len(value) < 19 else value


def refund(state: RefundState, items: dict[int, LineItem]) -> dict[str, Any]:
    row = state.refund
    return {
        "id": _int_or_text(row.ref),
        "created_at": iso(row.created_at),
        "amount": fmt2(row.amount),
        "reason": row.reason,
        "line_items": [_refund_line(line, items[line.line_item_id]) for line in state.lines],
    }


def _refund_line(line: Any, item: LineItem) -> dict[str, Any]:
    total = -line.amount
    tax = -line.tax
    price = total / line.quantity if line.quantity else ZERO
    return {
        "id": _int_or_text(line.ref),
        "subtotal": fmt2(total),
        "subtotal_tax": fmt2(tax),
        "total": fmt2(total),
        "total_tax": fmt2(tax),
        "price": fmt2(price),
        "quantity": line.quantity,
        "tax_class": item.attributes.get("tax_class"),
        "name": item.name,
        "product_id": _int_or_text(item.product_id),
        "sku": item.sku,
        "meta": [],
        "refunded_item_id": _int_or_text(item.ref),
    }


def items_of(state: OrderState) -> dict[int, LineItem]:
    return {line.item.id: line.item for line in state.lines if line.item.id is not None}


def order_status(state: OrderState) -> str:
    order = state.order
    if order.status:
        return order.status
    if order.cancelled:
        return "cancelled"
    if not order.paid:
        return "pending"
    return "completed" if state.fully_shipped else "processing"


def order(state: OrderState) -> dict[str, Any]:
    row = state.order
    attrs = row.attributes
    payment = state.payments[0].payment if state.payments else None
    return {
        "id": _int_or_text(row.ref),
        "order_number": row.number or row.ref,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "completed_at": iso(row.updated_at) if state.fully_shipped else None,
        "status": order_status(state),
        "currency": row.currency,
        "total": fmt2(row.total),
        "subtotal": fmt2(row.subtotal),
        "total_line_items_quantity": state.ordered_units,
        "total_tax": fmt2(row.tax),
        "total_shipping": fmt2(row.shipping),
        "cart_tax": fmt2(row.tax),
        "shipping_tax": fmt2(ZERO),
        "total_discount": fmt2(row.discount),
        "shipping_methods": attrs.get("shipping_methods", ""),
        "payment_details": {
            "method_id": row.gateway or (payment.gateway if payment else ""),
            "method_title": payment.title if payment else "",
            "paid": row.paid,
        },
        "billing_address": attrs.get("billing_address", {}),
        "shipping_address": attrs.get("shipping_address", {}),
        "note": attrs.get("note", ""),
        "customer_id": attrs.get("customer_id", 0),
        "line_items": [_order_line(line) for line in state.lines],
        "shipping_lines": [],
        "tax_lines": [],
        "fee_lines": [],
        "coupon_lines": [],
    }


def _order_line(line: LineState) -> dict[str, Any]:
    item = line.item
    total = item.unit_price * item.quantity - item.discount
    return {
        "id": _int_or_text(item.ref),
        "subtotal": fmt2(item.unit_price * item.quantity),
        "subtotal_tax": fmt2(item.tax),
        "total": fmt2(total),
        "total_tax": fmt2(item.tax),
        "price": fmt2(total / item.quantity if item.quantity else Decimal(0)),
        "quantity": item.quantity,
        "tax_class": item.attributes.get("tax_class"),
        "name": item.name,
        "product_id": _int_or_text(item.product_id),
        "sku": item.sku,
        "meta": [],
    }
