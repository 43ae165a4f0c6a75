"""Typed domain errors.

The core raises these with a readable message; each platform maps the class to its own
status code, error code and envelope in one place. When one is raised inside a write,
the transaction rolls back, so a refused request never changes anything.
"""

from decimal import Decimal


class DomainError(Exception):
    """Base of every rule the core enforces."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    pass


class OrderNotFound(NotFound):
    def __init__(self, order_ref: str) -> None:
        super().__init__(f"order {order_ref} does not exist")
        self.order_ref = order_ref


class RefundNotFound(NotFound):
    def __init__(self, refund_ref: str) -> None:
        super().__init__(f"refund {refund_ref} does not exist")
        self.refund_ref = refund_ref


class RefundNotInOrder(DomainError):
    def __init__(self, refund_ref: str, order_ref: str) -> None:
        super().__init__(f"refund {refund_ref} does not belong to order {order_ref}")
        self.refund_ref = refund_ref
        self.order_ref = order_ref


class OrderStateError(DomainError):
    """The order as a whole cannot be refunded now."""


class OrderShipped(OrderStateError):
    def __init__(self, order_ref: str, partially: bool) -> None:
        how = "partially shipped" if partially else "shipped"
        super().__init__(f"order {order_ref} has been {how}; only unshipped orders can be refunded")
        self.order_ref = order_ref
        self.partially = partially


class OrderCancelled(OrderStateError):
    def __init__(self, order_ref: str) -> None:
        super().__init__(f"order {order_ref} is cancelled")
        self.order_ref = order_ref


class OrderUnpaid(OrderStateError):
    def __init__(self, order_ref: str) -> None:
        super().__init__(f"order {order_ref} has not been paid")
        self.order_ref = order_ref


class OrderClosed(OrderStateError):
    def __init__(self, order_ref: str, status: str) -> None:
        super().__init__(f"order {order_ref} is {status}; it can no longer be refunded")
        self.order_ref = order_ref
        self.status = status


class NothingToRefund(OrderStateError):
    def __init__(self, order_ref: str) -> None:
        super().__init__(f"order {order_ref} has nothing left to refund")
        self.order_ref = order_ref


class InvalidRefundRequest(DomainError):
    """The request names something wrong, independent of the order's state."""


class ItemNotInOrder(InvalidRefundRequest):
    def __init__(self, item_ref: str, order_ref: str) -> None:
        super().__init__(f"item {item_ref} is not in order {order_ref}")
        self.item_ref = item_ref
        self.order_ref = order_ref


class InvalidQuantity(InvalidRefundRequest):
    def __init__(self, item_ref: str, quantity: int) -> None:
        super().__init__(f"quantity for item {item_ref} must be at least 1, got {quantity}")
        self.item_ref = item_ref
        self.quantity = quantity


class InvalidAmount(InvalidRefundRequest):
    pass


class QuantityExceedsRefundable(InvalidRefundRequest):
    def __init__(self, item_ref: str, requested: int, refundable: int) -> None:
        super().__init__(
            f"item {item_ref}: {requested} requested but only {refundable} can still be refunded"
        )
        self.item_ref = item_ref
        self.requested = requested
        self.refundable = refundable


class AmountExceedsRefundable(InvalidRefundRequest):
    def __init__(self, requested: Decimal, refundable: Decimal) -> None:
        super().__init__(f"{requested} requested but only {refundable} can still be refunded")
        self.requested = requested
        self.refundable = refundable


class ShippingExceedsRefundable(InvalidRefundRequest):
    def __init__(self, requested: Decimal, refundable: Decimal) -> None:
        super().__init__(f"shipping refund of {requested} requested but only {refundable} is left")
        self.requested = requested
        self.refundable = refundable


class ItemShippingStateMismatch(InvalidRefundRequest):
    """SHOPLINE's `type`: Unshipped for a shipped item, Returned for one never shipped."""

    def __init__(self, item_ref: str, declared: str, message: str) -> None:
        super().__init__(message)
        self.item_ref = item_ref
        self.declared = declared


class PaymentNotInOrder(InvalidRefundRequest):
    def __init__(self, payment_ref: str, order_ref: str) -> None:
        super().__init__(f"payment {payment_ref} does not belong to order {order_ref}")
        self.payment_ref = payment_ref
        self.order_ref = order_ref


class PaymentExceedsRefundable(InvalidRefundRequest):
    def __init__(self, payment_ref: str, requested: Decimal, refundable: Decimal) -> None:
        super().__init__(
            f"payment {payment_ref}: {requested} requested but only {refundable} is left"
        )
        self.payment_ref = payment_ref
        self.requested = requested
        self.refundable = refundable


class GatewayRefundFailed(DomainError):
    def __init__(self, gateway: str) -> None:
        super().__init__(f"the payment gateway {gateway!r} refused the refund")
        self.gateway = gateway
