"""Orders and refunds in SHOPLINE's shape.

Money is a string with 2 decimals; every `*_set` gives it in the order's presentment
currency and in the store's (`shop_money`), the former at the order's exchange rate.
The create response writes times as epoch milliseconds in a string (`create_at`); the
queries write ISO-8601 with an offset (`created_at`). What a version types differently,
and the fields only later versions carry, come from its `versions.Wire`.
"""

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mockrefund.core.columns import to_millis
from mockrefund.core.models import Order, Payment, RefundStatus
from mockrefund.core.money import ZERO, fmt2
from mockrefund.core.orders import LineState, OrderState, RefundState
from mockrefund.core.refunds import RefundPreview
from mockrefund.platforms.shopline.versions import Wire, long_id

TRANSACTION_STATUS = {
    RefundStatus.PENDING: "pending",
    RefundStatus.SUCCEEDED: "success",
    RefundStatus.FAILED: "failure",
}
# Product fields a line item's fixture `attributes` may give, with their JSON types; the
# versions that know them show those given.
PRODUCT_FIELDS: dict[str, type | tuple[type, ...]] = {
    "variant_title": str,
    "vendor": str,
    "image_url": str,
    "tags": str,
    "grams": (int, float),
    "fulfillment_service": str,
    "requires_shipping": bool,
    "taxable": bool,
    "gift_card": bool,
}


def millis(moment: datetime) -> str:
    return str(to_millis(moment))


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


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


def _tax_money_set(amount: Decimal, order: Order, wire: Wire) -> dict[str, Any]:
    money = money_set(amount, order)
    for side in money.values():
        side["amount"] = wire.adjustment_tax_money(Decimal(side["amount"]))
    return money


def order_adjustments(refund: RefundState, order: Order, wire: Wire) -> list[dict[str, Any]]:
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
            "tax_amount": fmt2(ZERO),
            "tax_amount_set": _tax_money_set(ZERO, order, wire),
        }
        for index, (kind, reason, amount) in enumerate(entries, start=1)
    ]


def _refund_line(refund: RefundState, state: OrderState, wire: Wire | None) -> list[dict[str, Any]]:
    """Refund line items: as the create answer writes them (`wire` None), or as the
    queries do, with the line item nested."""
    lines = {line.item.id: line for line in state.lines}
    unshipped_refunds = unshipped_refunded(state)
    order = state.order
    result = []
    for row in refund.lines:
        line = lines[row.line_item_id]
        entry: dict[str, Any] = {
            "id": long_id(row.ref) if wire is None else wire.query_id(row.ref),
            "line_item_id": long_id(line.item.ref)
            if wire is None
            else wire.query_id(line.item.ref),
            "location_id": row.location_id,
            "quantity": row.quantity,
            "restock_type": row.restock_type,
            **_priced("subtotal", row.amount, order),
            **_priced("total_tax", row.tax, order),
        }
        if wire is not None:
            entry["subtotal"] = wire.query_line_money(row.amount)
            entry["total_tax"] = wire.query_line_money(row.tax)
            entry["line_item"] = line_item(line, order, unshipped_refunds, wire)
        result.append(entry)
    return result


def _slip_refs(state: OrderState) -> dict[int | None, str]:
    return {p.payment.id: p.payment.ref for p in state.payments}


def created(refund: RefundState, state: OrderState, wire: Wire) -> dict[str, Any]:
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
            "order_adjustments": order_adjustments(refund, order, wire),
            "order_id": order.ref,
            "refund_line_items": _refund_line(refund, state, None),
            "total_duties_set": money_set(ZERO, order),
            "transactions": [
                {
                    "amount": wire.created_transaction_amount(tx.amount),
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


def refund(refund: RefundState, state: OrderState, wire: Wire) -> dict[str, Any]:
    """A refund as the refund queries (and an order's `refunds`) show it."""
    row = refund.refund
    order = state.order
    slips = _slip_refs(state)
    status = TRANSACTION_STATUS[RefundStatus(row.status)]
    transactions = []
    for tx in refund.transactions:
        entry: dict[str, Any] = {
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
        if wire.sdk_fields:
            entry |= {
                "user_id": None,
                # Settled in the slip's own currency: the same amount.
                "settle_amount": fmt2(tx.amount),
                "settle_currency": tx.currency,
                "status_update_at": iso(row.updated_at),
            }
        transactions.append(entry)
    return {
        "id": row.ref,
        "order_id": order.ref,
        "note": row.note,
        "user_id": None,
        "created_at": iso(row.created_at),
        "processed_at": iso(row.created_at),
        "order_adjustments": order_adjustments(refund, order, wire),
        "refund_line_items": _refund_line(refund, state, wire),
        "total_duties_set": money_set(ZERO, order),
        "transactions": transactions,
    }


# --- orders ----------------------------------------------------------------------------


def unshipped_refunded(state: OrderState) -> Counter[int]:
    """Units per line item refunded other than as `Returned`: they are taken from the
    units not yet shipped, which will then never be fulfilled."""
    return Counter(
        {line.item.id: line.refunded_unshipped for line in state.lines if line.item.id is not None}
    )


def line_fulfillment_status(line: LineState) -> str | None:
    if line.item.shipped_quantity >= line.item.quantity:
        return "fulfilled"
    if line.item.shipped_quantity > 0:
        return "partial"
    return None


def line_item(
    line: LineState, order: Order, unshipped_refunds: Counter[int], wire: Wire
) -> dict[str, Any]:
    item = line.item
    assert item.id is not None
    fulfillable = max(line.unshipped - unshipped_refunds[item.id], 0)
    entry = {
        "id": wire.query_id(item.ref),
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
        "tax_lines": _tax_lines(
            item.tax, item.unit_price * item.quantity - item.discount, order, wire
        ),
    }
    if wire.sdk_fields:
        entry |= {
            name: item.attributes[name]
            for name, kind in PRODUCT_FIELDS.items()
            if isinstance(item.attributes.get(name), kind)
        }
        entry.setdefault("taxable", item.tax > ZERO)
        entry.setdefault("requires_shipping", True)
        entry.setdefault("gift_card", False)
    return entry


def _tax_lines(tax: Decimal, taxed: Decimal, order: Order, wire: Wire) -> list[dict[str, Any]]:
    """One tax line for a taxed amount; its rate (the SDK's versions) is what it comes to."""
    if tax <= ZERO:
        return []
    entry: dict[str, Any] = {"title": "Tax", **_priced("price", tax, order)}
    if wire.sdk_fields and taxed > ZERO:
        entry["rate"] = float(round(tax / taxed, 4))
    return [entry]


def counted_refunds(state: OrderState) -> Decimal:
    """Money refunded or being refunded; a failed refund gives it back."""
    return state.refunded_amount + state.refunding_amount


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


def order(state: OrderState, wire: Wire) -> dict[str, Any]:
    row = state.order
    unshipped_refunds = unshipped_refunded(state)
    refunded = counted_refunds(state)
    updated = max([row.updated_at, *(r.refund.updated_at for r in state.refunds)])
    entry = {
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
        "line_items": [line_item(line, row, unshipped_refunds, wire) for line in state.lines],
        "shipping_lines": _shipping_lines(row, wire),
        "payment_details": [_payment_detail(p.payment, row, wire) for p in state.payments],
        "refunds": [refund(r, state, wire) for r in state.refunds],
    }
    if wire.sdk_fields:
        entry |= _current_totals(state, wire)
    return entry


def _current_totals(state: OrderState, wire: Wire) -> dict[str, Any]:
    """Totals of the SDK's versions: what the lines come to, and what is left of the
    order's subtotal, tax and discounts once its refunds (pending or done) are taken."""
    row = state.order
    items = {line.item.id: line.item for line in state.lines}
    refunded_lines = refunded_tax = refunded_discount = ZERO
    for refund_state in state.refunds:
        if refund_state.counts:
            for refund_line in refund_state.lines:
                item = items[refund_line.line_item_id]
                refunded_lines += refund_line.amount
                refunded_tax += refund_line.tax
                refunded_discount += item.discount * refund_line.quantity / item.quantity
    line_prices = sum((item.unit_price * item.quantity for item in items.values()), ZERO)
    return {
        **_priced("total_line_items_price", line_prices, row),
        **_priced("current_subtotal_price", row.subtotal - row.discount - refunded_lines, row),
        **_priced("current_total_tax", row.tax - refunded_tax, row),
        **_priced("current_total_discounts", row.discount - refunded_discount, row),
        "current_total_duties_set": money_set(ZERO, row),
        "tax_lines": _tax_lines(row.tax, row.subtotal - row.discount, row, wire),
        "taxes_included": False,  # fixture prices are before tax
    }


def _shipping_lines(row: Order, wire: Wire) -> list[dict[str, Any]]:
    if row.shipping <= ZERO:
        return []
    entry = {"title": "Shipping", **_priced("price", row.shipping, row)}
    if wire.sdk_fields:
        entry |= {
            **_priced("shipping_price", row.shipping, row),
            # No shipping discounts in the fixtures: what was charged.
            **_priced("discounted_price", row.shipping, row),
            "tax_lines": [],
        }
    return [entry]


def _payment_detail(payment: Payment, row: Order, wire: Wire) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "pay_seq": payment.ref,
        "pay_status": "paid",
        "pay_channel": payment.gateway,
        "pay_amount": wire.pay_amount(payment.amount),
        "settle_currency": payment.currency,
    }
    if wire.sdk_fields:
        entry |= {
            "gateway": payment.gateway,
            "payment_method": payment.title or payment.gateway,
            # Settled in the slip's own currency: the same amount.
            "settle_pay_amount": wire.pay_amount(payment.amount),
            "create_time": iso(row.created_at),
            "processed_at": iso(row.paid_at),
        }
    return entry


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
