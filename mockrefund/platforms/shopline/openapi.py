"""SHOPLINE's refund endpoints as an OpenAPI document (at /__admin/openapi/shopline.json)."""

from typing import Any

from pydantic import BaseModel

from mockrefund.platforms.shopline.schemas import CalculateBody, RefundBody
from mockrefund.web.openapi import Operation, Param, build

BEARER = {"ShoplineToken": {"type": "http", "scheme": "bearer"}}
VERSION = Param("version", "path", {"type": "string", "pattern": "^v[0-9]{8}$"}, "e.g. v20220901")
ORDER = Param("order_id", "path", {"type": "string"})


class ShoplineError(BaseModel):
    """Every refusal: `errors` holds a message (sometimes a list or an object)."""

    errors: str | list[Any] | dict[str, Any]


class RefundCreated(BaseModel):
    data: dict[str, Any]


class RefundTrial(BaseModel):
    refund: dict[str, Any]


class RefundOne(BaseModel):
    refund: dict[str, Any]


class RefundList(BaseModel):
    refunds: list[dict[str, Any]]


class OrderList(BaseModel):
    orders: list[dict[str, Any]]


def _errors(*statuses: int) -> dict[int, tuple[str, type[BaseModel] | None]]:
    return dict.fromkeys(statuses, ('refused: {"errors": ...}', ShoplineError))


OPERATIONS = [
    Operation(
        "POST",
        "/admin/openapi/{version}/order/refund.json",
        "Refund an order: line items, shipping, transactions per payment slip",
        params=(VERSION,),
        body=RefundBody,
        responses={200: ("the refund", RefundCreated), **_errors(400, 401, 404, 413, 422, 429)},
    ),
    Operation(
        "POST",
        "/admin/openapi/{version}/orders/{order_id}/refunds/calculate.json",
        "Refund trial: what a refund would be, storing nothing",
        params=(VERSION, ORDER),
        body=CalculateBody,
        responses={200: ("the suggestion", RefundTrial), **_errors(400, 401, 404, 413, 422, 429)},
    ),
    Operation(
        "GET",
        "/admin/openapi/{version}/orders/{order_id}/refunds.json",
        "The refunds of an order",
        params=(
            VERSION,
            ORDER,
            Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 250}),
        ),
        responses={200: ("the refunds", RefundList), **_errors(400, 401, 404, 429)},
    ),
    Operation(
        "GET",
        "/admin/openapi/{version}/orders/{order_id}/refunds/{refund_id}.json",
        "One refund of an order",
        params=(VERSION, ORDER, Param("refund_id", "path", {"type": "string"})),
        responses={200: ("the refund", RefundOne), **_errors(400, 401, 404, 429)},
    ),
    Operation(
        "GET",
        "/admin/openapi/{version}/orders.json",
        "Orders, newest first, paged through the Link header",
        params=(
            VERSION,
            Param("ids", "query", {"type": "string"}, "comma-separated, up to 100"),
            Param("status", "query", {"type": "string", "enum": ["open", "cancelled", "any"]}),
            Param("financial_status", "query", {"type": "string"}),
            Param("fulfillment_status", "query", {"type": "string"}),
            Param("since_id", "query", {"type": "string"}),
            Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100}),
            Param("page_info", "query", {"type": "string"}),
        ),
        responses={200: ("a page of orders", OrderList), **_errors(400, 401, 429)},
    ),
]


def document() -> dict[str, Any]:
    return build(
        "SHOPLINE Admin Open API refunds (mockrefund)",
        "SHOPLINE's refund endpoints as mockrefund emulates them; send "
        "`Authorization: Bearer <token>`. Every answer carries a `traceId` header.",
        OPERATIONS,
        BEARER,
    )
