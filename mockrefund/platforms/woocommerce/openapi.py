"""WooCommerce legacy v3 refunds as an OpenAPI document (/__admin/openapi/woocommerce.json)."""

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mockrefund.web.openapi import Operation, Param, build

SECURITY = {
    "WooCommerceKey": {
        "type": "http",
        "scheme": "basic",
        "description": "Consumer key as user, secret as password. Also accepted: "
        "`consumer_key`/`consumer_secret` query parameters, and OAuth 1.0a in the query.",
    }
}
ORDER = Param("order_id", "path", {"type": "integer", "minimum": 0})
REFUND = Param("id", "path", {"type": "integer", "minimum": 0})
FIELDS = Param("fields", "query", {"type": "string"}, "e.g. id,amount,line_items.id")
API_REFUND = Param(
    "api_refund", "query", {"type": "string"}, "ask the gateway (default); '0' or '' turn it off"
)


class RefundLineInput(BaseModel):
    model_config = ConfigDict(extra="allow")

    qty: int | None = None
    refund_total: Decimal | str | None = None
    refund_tax: dict[str, Decimal | str] | None = None


class OrderRefundInput(BaseModel):
    model_config = ConfigDict(extra="allow")

    amount: Decimal | str | None = Field(None, description="Required to create; ≥ 0")
    reason: str | None = None
    line_items: dict[str, RefundLineInput] | None = Field(
        None, description="Keyed by the order item id"
    )


class OrderRefundBody(BaseModel):
    order_refund: OrderRefundInput


class WooCommerceErrorDetail(BaseModel):
    code: str
    message: str


class WooCommerceError(BaseModel):
    errors: list[WooCommerceErrorDetail]


class OrderRefundOne(BaseModel):
    order_refund: dict[str, Any]


class OrderRefundList(BaseModel):
    order_refunds: list[dict[str, Any]]


class Deleted(BaseModel):
    message: str


class OrderOne(BaseModel):
    order: dict[str, Any]


def _errors(*statuses: int) -> dict[int, tuple[str, type[BaseModel] | None]]:
    return dict.fromkeys(statuses, ('an error: {"errors": [{code, message}]}', WooCommerceError))


ITEM = "/wc-api/v3/orders/{order_id}/refunds/{id}"
OPERATIONS = [
    Operation(
        "GET", "/wc-api/v3/orders/{order_id}/refunds", "The refunds of an order, newest first",
        params=(ORDER, FIELDS), responses={200: ("refunds", OrderRefundList), **_errors(401, 404)},
    ),
    Operation(
        "POST", "/wc-api/v3/orders/{order_id}/refunds", "Create a refund",
        params=(ORDER, API_REFUND, FIELDS), body=OrderRefundBody,
        responses={201: ("the refund", OrderRefundOne), **_errors(400, 401, 404, 413, 500)},
    ),
    Operation(
        "GET", ITEM, "View a refund", params=(ORDER, REFUND, FIELDS),
        responses={200: ("the refund", OrderRefundOne), **_errors(400, 401, 404)},
    ),
    Operation(
        "PUT", ITEM, "Edit a refund's reason or amount",
        params=(ORDER, REFUND), body=OrderRefundBody,
        responses={200: ("the refund", OrderRefundOne), **_errors(400, 401, 404, 413)},
        description="POST and PATCH on the refund edit too.",
    ),
    Operation(
        "DELETE", ITEM, "Delete a refund", params=(ORDER, REFUND),
        responses={200: ("deleted", Deleted), **_errors(400, 401, 404)},
    ),
    Operation(
        "GET", "/wc-api/v3/orders/{order_id}", "View an order", params=(ORDER, FIELDS),
        responses={200: ("the order", OrderOne), **_errors(401, 404)},
    ),
]  # fmt: skip


def document() -> dict[str, Any]:
    return build(
        "WooCommerce legacy REST API v3 refunds (mockrefund)",
        "WooCommerce's order refund endpoints as mockrefund emulates them.",
        OPERATIONS,
        SECURITY,
        media_type="application/json",
    )
