"""From SHOPLINE's request bodies to the core's refund requests.

The refund's money is what its transactions send back; `type` Unshipped / Returned asks
the core to check the item's shipping state (the seed's own example, "Shipped", asks
for no check); `shipping.amount` wins over `shipping.full_refund`, which means "all the
shipping that is left".
"""

from decimal import Decimal

from mockrefund.core.money import ZERO
from mockrefund.core.orders import OrderState
from mockrefund.core.refunds import (
    ItemSelector,
    LineRequest,
    RefundRequest,
    ShippingState,
    TransactionRequest,
)
from mockrefund.platforms.shopline.errors import (
    settlement_currency_required,
    shop_currency_required,
)
from mockrefund.platforms.shopline.schemas import (
    CalculateBody,
    LineType,
    RefundBody,
    ShippingBody,
)

SHIPPING_STATES: dict[LineType, ShippingState | None] = {
    "Unshipped": "unshipped",
    "Returned": "returned",
    "Shipped": None,
}


def check_currency(requested: str | None, state: OrderState) -> None:
    """Amounts are in the store's (settlement) currency; an order presented in another
    currency must say so with `currency`, and no request may name a different one."""
    shop = state.order.currency
    if requested is None:
        if state.order.presentment_currency != shop:
            raise shop_currency_required(shop)
    elif requested.upper() != shop:
        raise shop_currency_required(shop)


def check_transaction_currencies(body: RefundBody, state: OrderState) -> None:
    slips = {p.payment.ref: p.payment for p in state.payments}
    for tx in body.transactions:
        slip = slips.get(tx.id)
        if slip is not None and tx.currency is not None and tx.currency.upper() != slip.currency:
            raise settlement_currency_required(slip.currency)


def shipping_amount(shipping: ShippingBody | None, state: OrderState) -> Decimal | None:
    if shipping is None:
        return None
    if shipping.amount is not None:
        return shipping.amount
    if shipping.full_refund:
        return max(state.refundable_shipping, ZERO)
    return None


def refund_request(body: RefundBody, state: OrderState) -> RefundRequest:
    lines = [
        LineRequest(
            item=ItemSelector(line.line_item_id),
            quantity=line.quantity,
            shipping_state=SHIPPING_STATES[line.type],
            restock_type=line.restock_type,
            location_id=line.location_id,
        )
        for line in body.refund_line_items or ()
    ]
    return RefundRequest(
        order_ref=body.order_id,
        lines=lines,  # never None: None would mean "everything that is left"
        amount=sum((tx.amount for tx in body.transactions), ZERO),
        shipping=shipping_amount(body.shipping, state),
        transactions=[
            TransactionRequest(payment_ref=tx.id, amount=tx.amount, gateway=tx.gateway)
            for tx in body.transactions
        ],
        note=body.note or "",
        attributes={"notify": body.notify, "processed_at": body.processed_at},
    )


def trial_request(order_id: str, body: CalculateBody, state: OrderState) -> RefundRequest:
    lines = [
        LineRequest(
            item=ItemSelector(line.line_item_id),
            quantity=line.quantity,
            shipping_state=SHIPPING_STATES[line.type] if line.type else None,
        )
        for line in body.refund_line_items or ()
    ]
    return RefundRequest(
        order_ref=order_id, lines=lines, shipping=shipping_amount(body.shipping, state)
    )
