"""WooCommerce's error envelope: `{"errors": [{"code": ..., "message": ...}]}`."""

from starlette.requests import Request
from starlette.responses import Response

from mockrefund.core import errors
from mockrefund.platforms.woocommerce.keys import consumer_key_of
from mockrefund.web.body import BodyError
from mockrefund.web.dialects import FAULT_MESSAGE, Dialect, WireError
from mockrefund.web.responses import WireJSON

CONTENT_TYPE = "application/json; charset=UTF-8"
NO_ROUTE = "woocommerce_api_no_route"
NO_ROUTE_MESSAGE = "No route was found matching the URL and request method"


def envelope(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    return WireJSON(
        {"errors": [{"code": code, "message": message}]},
        status,
        headers=headers,
        media_type=CONTENT_TYPE,
    )


def fail(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> WireError:
    return WireError(envelope(status, code, message, headers))


def _domain(error: errors.DomainError) -> tuple[int, str, str]:
    match error:
        case errors.OrderNotFound():
            return (
                404,
                "woocommerce_api_no_order_found",
                (f"No order found with the ID equal to {error.order_ref}"),
            )
        case errors.RefundNotFound():
            return (
                404,
                "woocommerce_api_invalid_order_refund_id",
                ("An order refund with the provided ID could not be found."),
            )
        case errors.RefundNotInOrder():
            return (
                400,
                "woocommerce_api_invalid_order_refund_id",
                ("The order refund ID provided is not associated with the order."),
            )
        case errors.GatewayRefundFailed():
            return (
                500,
                "woocommerce_api_create_order_refund_api_failed",
                (
                    "An error occurred while attempting to create the refund using the payment "
                    "gateway API."
                ),
            )
        case errors.AmountExceedsRefundable():
            return 400, "woocommerce_api_cannot_create_order_refund", "Invalid refund amount."
        case _:
            return 400, "woocommerce_api_invalid_order_refund", error.message


class WooCommerceDialect(Dialect):
    name = "woocommerce"
    prefixes = ("/wc-api/",)

    def credential_key(self, request: Request) -> str | None:
        return consumer_key_of(request)

    def http_error(self, request: Request, status: int, message: str) -> Response:
        if status in (404, 405):
            return envelope(404, NO_ROUTE, NO_ROUTE_MESSAGE)
        if status == 413:
            return envelope(413, "woocommerce_api_request_entity_too_large", message)
        if status >= 500:
            # 503 (a sandbox being reset) stays 503, so that clients retry it.
            return envelope(
                503 if status == 503 else 500, "woocommerce_api_internal_error", message
            )
        return envelope(status, "woocommerce_api_invalid_request", message)

    def fault(self, request: Request, status: int) -> Response:
        # The status as asked (WooCommerce's own mapping would turn many into 404 or 500).
        code = "woocommerce_api_authentication_error" if status == 401 else "woocommerce_api_fault"
        return envelope(status, code, FAULT_MESSAGE)

    def domain_error(self, request: Request, error: errors.DomainError) -> Response:
        return envelope(*_domain(error))

    def body_error(self, request: Request, error: BodyError) -> Response:
        if error.kind == "too_large":
            return self.http_error(request, 413, error.message)
        # WooCommerce reads an unreadable body as no data at all; routes decide what that means.
        return envelope(400, "woocommerce_api_invalid_request", error.message)


DIALECT = WooCommerceDialect()
