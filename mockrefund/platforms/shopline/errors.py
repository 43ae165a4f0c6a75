"""SHOPLINE's error body, `{"errors": "..."}`, and the status each failure answers with.

The statuses are SHOPLINE's (400 syntax or content type, 401 token, 404 unknown resource,
422 a broken rule, 429 flow control); the messages for the refund rules are the mock's
own, except the two currency messages, which are SHOPLINE's.
"""

from starlette.requests import Request
from starlette.responses import Response

from mockrefund.core import errors
from mockrefund.platforms.shopline.trace import reply
from mockrefund.web.body import BodyError
from mockrefund.web.dialects import Dialect, WireError
from mockrefund.web.request_context import bearer_of

TOO_MANY_REQUESTS = "Too many request"  # sic: SHOPLINE's wording


def envelope(status: int, message: str) -> Response:
    return reply({"errors": message}, status)


def fail(status: int, message: str) -> WireError:
    return WireError(envelope(status, message))


def shop_currency_required(currency: str) -> WireError:
    return fail(422, f"currency must be {currency}")


def settlement_currency_required(currency: str) -> WireError:
    return fail(
        422, f"the input currency must be the settlement currency of the payment: {currency}"
    )


def _status_and_message(error: errors.DomainError) -> tuple[int, str]:
    match error:
        case errors.OrderNotFound():
            return 404, "order not found"
        case errors.RefundNotFound() | errors.RefundNotInOrder():
            return 404, "refund not found"
        case errors.ItemNotInOrder(item_ref=item):
            return 422, f"line item {item} does not belong to this order"
        case errors.InvalidQuantity(item_ref=item):
            return 422, f"refund quantity of line item {item} must be greater than 0"
        case errors.QuantityExceedsRefundable(item_ref=item, refundable=left):
            return (
                422,
                f"refund quantity of line item {item} exceeds the refundable quantity {left}",
            )
        case errors.ItemShippingStateMismatch(item_ref=item, declared="unshipped"):
            return 422, f"line item {item} has been shipped, type must be Returned"
        case errors.ItemShippingStateMismatch(item_ref=item):
            return 422, f"line item {item} has not been shipped, type must be Unshipped"
        case errors.PaymentNotInOrder(payment_ref=slip):
            return 422, f"payment slip {slip} does not belong to this order"
        case errors.PaymentExceedsRefundable(payment_ref=slip, refundable=left):
            return 422, f"refund amount exceeds the refundable amount {left:.2f} of payment {slip}"
        case errors.ShippingExceedsRefundable(refundable=left):
            return 422, f"shipping refund amount exceeds the refundable shipping {left:.2f}"
        case errors.AmountExceedsRefundable(refundable=left):
            return 422, f"refund amount exceeds the refundable amount {left:.2f} of the order"
        case errors.OrderUnpaid():
            return 422, "the order has not been paid"
        case errors.OrderCancelled():
            return 422, "the order has been cancelled"
        case errors.NothingToRefund():
            return 422, "the order has nothing left to refund"
        case _:
            return 422, error.message


class ShoplineDialect(Dialect):
    name = "shopline"
    prefixes = ("/admin/openapi/",)

    def credential_key(self, request: Request) -> str | None:
        return bearer_of(request)

    def http_error(self, request: Request, status: int, message: str) -> Response:
        return envelope(status, message)

    def domain_error(self, request: Request, error: errors.DomainError) -> Response:
        return envelope(*_status_and_message(error))

    def body_error(self, request: Request, error: BodyError) -> Response:
        return envelope(413 if error.kind == "too_large" else 400, error.message)


DIALECT = ShoplineDialect()
