"""Kakaclo's envelope and the mock's table of error codes.

Kakaclo documents only success (`code` 10000). Errors keep the same envelope with another
`code`, a readable `message` and `data: null`; the codes and HTTP statuses below are the
mock's own, and docs/kakaclo.md lists them.
"""

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from mockrefund.core import errors
from mockrefund.web.body import BodyError
from mockrefund.web.dialects import FAULT_MESSAGE, HTTP_REASONS, Dialect, WireError
from mockrefund.web.request_context import bearer_of
from mockrefund.web.responses import WireJSON

OK = 10000


@dataclass(frozen=True)
class Code:
    code: int
    status: int
    meaning: str


BAD_BODY = Code(20001, 400, "the body is not valid JSON, or not a JSON object")
BAD_PARAMETER = Code(20002, 400, "a field or query parameter has a wrong value")
BAD_CONTENT_TYPE = Code(20003, 415, "the body is not sent as application/json")
BODY_TOO_LARGE = Code(20004, 413, "the body is larger than 1 MiB")
NO_TOKEN = Code(30001, 401, "no `Authorization: Bearer` token")
BAD_TOKEN = Code(30002, 401, "the token is unknown or expired")
ORDER_NOT_FOUND = Code(40001, 404, "no such order in the token's store")
REFUND_NOT_FOUND = Code(40002, 404, "no such refund or order")
NO_ROUTE = Code(40004, 404, "no Kakaclo endpoint at this path")
METHOD_NOT_ALLOWED = Code(40005, 405, "the endpoint does not take this method")
ORDER_SHIPPED = Code(50001, 409, "the order has been shipped (or is completed)")
ORDER_PARTIALLY_SHIPPED = Code(50002, 409, "part of the order has been shipped")
ORDER_CANCELLED = Code(50003, 409, "the order is cancelled")
ORDER_UNPAID = Code(50004, 409, "the order has not been paid")
NOTHING_TO_REFUND = Code(50005, 409, "everything in the order is refunded or being refunded")
ITEM_NOT_IN_ORDER = Code(50006, 422, "an item (itemId + skuCode) is not in the order")
INVALID_QUANTITY = Code(50007, 422, "a quantity is below 1")
QUANTITY_TOO_LARGE = Code(50008, 422, "a quantity is more than can still be refunded")
UNKNOWN_SKU = Code(60001, 422, "an SKU of a new order is not in the store's catalogue")
BAD_ORDER_QUANTITY = Code(60002, 422, "an item quantity of a new order is below 1 or too large")
BAD_ADDRESS = Code(60003, 422, "the new order's address is missing, or a field of it is wrong")
RATE_LIMITED = Code(42900, 429, "too many requests (the leaky bucket is full)")
INTERNAL = Code(99999, 500, "the mock failed unexpectedly")

ALL_CODES = [
    BAD_BODY, BAD_PARAMETER, BAD_CONTENT_TYPE, BODY_TOO_LARGE, NO_TOKEN, BAD_TOKEN,
    ORDER_NOT_FOUND, REFUND_NOT_FOUND, NO_ROUTE, METHOD_NOT_ALLOWED, ORDER_SHIPPED,
    ORDER_PARTIALLY_SHIPPED, ORDER_CANCELLED, ORDER_UNPAID, NOTHING_TO_REFUND,
    ITEM_NOT_IN_ORDER, INVALID_QUANTITY, QUANTITY_TOO_LARGE, UNKNOWN_SKU, BAD_ORDER_QUANTITY,
    BAD_ADDRESS, RATE_LIMITED, INTERNAL,
]  # fmt: skip


FAULT_CODES = {
    400: BAD_PARAMETER, 401: BAD_TOKEN, 404: NO_ROUTE, 405: METHOD_NOT_ALLOWED,
    413: BODY_TOO_LARGE, 415: BAD_CONTENT_TYPE, 429: RATE_LIMITED, 500: INTERNAL,
}  # fmt: skip


def envelope(code: Code, message: str) -> Response:
    return WireJSON({"code": code.code, "message": message, "data": None}, code.status)


def fail(code: Code, message: str) -> WireError:
    return WireError(envelope(code, message))


def _domain_code(error: errors.DomainError) -> Code:
    match error:
        case errors.OrderNotFound():
            return ORDER_NOT_FOUND
        case errors.RefundNotFound():
            return REFUND_NOT_FOUND
        case errors.OrderShipped(partially=True):
            return ORDER_PARTIALLY_SHIPPED
        case errors.OrderShipped() | errors.OrderClosed():
            return ORDER_SHIPPED
        case errors.OrderCancelled():
            return ORDER_CANCELLED
        case errors.OrderUnpaid():
            return ORDER_UNPAID
        case errors.NothingToRefund() | errors.AmountExceedsRefundable():
            return NOTHING_TO_REFUND
        case errors.ItemNotInOrder():
            return ITEM_NOT_IN_ORDER
        case errors.InvalidQuantity():
            return INVALID_QUANTITY
        case errors.QuantityExceedsRefundable():
            return QUANTITY_TOO_LARGE
        case _:
            return BAD_PARAMETER


class KakacloDialect(Dialect):
    name = "kakaclo"
    prefixes = ("/openapi/",)

    def credential_key(self, request: Request) -> str | None:
        return bearer_of(request)

    def http_error(self, request: Request, status: int, message: str) -> Response:
        code = {
            400: BAD_PARAMETER,
            404: NO_ROUTE,
            405: METHOD_NOT_ALLOWED,
            413: BODY_TOO_LARGE,
            415: BAD_CONTENT_TYPE,
            429: RATE_LIMITED,
        }.get(status, INTERNAL)
        if code is INTERNAL and status != 500:
            return WireJSON(
                {"code": status * 100, "message": HTTP_REASONS.get(status, message), "data": None},
                status,
            )
        return envelope(code, message)

    def domain_error(self, request: Request, error: errors.DomainError) -> Response:
        return envelope(_domain_code(error), error.message)

    def body_error(self, request: Request, error: BodyError) -> Response:
        return envelope(BODY_TOO_LARGE if error.kind == "too_large" else BAD_BODY, error.message)

    def fault(self, request: Request, status: int) -> Response:
        # The status as asked; the code of Kakaclo's table for it, or status x 100.
        code = FAULT_CODES.get(status, Code(status * 100, status, "injected fault"))
        return envelope(Code(code.code, status, code.meaning), FAULT_MESSAGE)


DIALECT = KakacloDialect()
