"""Kakaclo's endpoints as an OpenAPI document (served at /__admin/openapi/kakaclo.json)."""

from typing import Any, Literal

from pydantic import BaseModel

from mockrefund.platforms.kakaclo.schemas import CreateOrderBody, RefundBody
from mockrefund.web.openapi import Operation, Param, build

BEARER = {"KakacloToken": {"type": "http", "scheme": "bearer"}}
PAGE = (
    Param(
        "pageNumber", "query", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "default 1"
    ),
    Param("pageSize", "query", {"type": "integer", "minimum": 1, "maximum": 250}, "default 10"),
)
TIME = {"type": "string", "format": "date-time"}


class KakacloError(BaseModel):
    """Every refusal: `code` other than 10000, a readable message, `data` null."""

    code: int
    message: str
    data: None = None


class RefundCreated(BaseModel):
    code: Literal[10000]
    message: str
    data: int | str


class RefundEntry(BaseModel):
    refundNo: str
    refundStatus: Literal["pending_review", "refund_successfully", "refund_failed"]
    id: str
    remark: str | None
    reason: str


class RefundPage(BaseModel):
    total: int
    pageNumber: int
    pageSize: int
    list: list[RefundEntry]


class RefundQuery(BaseModel):
    code: Literal[10000]
    message: str
    data: RefundPage


class OrderCreated(BaseModel):
    code: Literal[10000]
    message: str
    data: str


class OrderPage(BaseModel):
    vo: None = None
    list: list[dict[str, Any]]
    total: int
    pageNumber: int
    pageSize: int
    totalPageNumber: int
    modifyDate: str | None
    nextId: str | None


class OrderList(BaseModel):
    code: Literal[10000]
    message: str
    data: OrderPage


def _errors(*statuses: int) -> dict[int, tuple[str, type[BaseModel] | None]]:
    return dict.fromkeys(statuses, ("refused, in Kakaclo's envelope", KakacloError))


OPERATIONS = [
    Operation(
        "POST",
        "/openapi/v2/order/orders/{order_id}/refund",
        "Refund an unshipped order, whole or some items (asynchronous)",
        params=(Param("order_id", "path", {"type": "string"}),),
        body=RefundBody,
        responses={
            200: ("the refund number", RefundCreated),
            **_errors(400, 401, 404, 409, 413, 415, 422, 429),
        },
        description="Also served at /openapi/openapi/v2/... and with v1.",
    ),
    Operation(
        "GET",
        "/openapi/v2/order/orders/refund/{order_id}",
        "The refunds of an order (or one refund, by its number)",
        params=(Param("order_id", "path", {"type": "string"}), *PAGE),
        responses={200: ("refunds, newest first", RefundQuery), **_errors(400, 401, 404, 429)},
    ),
    Operation(
        "GET",
        "/openapi/v2/order/refund",
        "Refunds by refund numbers and order ids (the docs' latest Query ReFund form)",
        params=(
            Param("refundNo", "query", {"type": "string"}, "comma-separated refund numbers"),
            Param("ids", "query", {"type": "string"}, "comma-separated order ids"),
            *PAGE,
        ),
        responses={200: ("refunds, newest first", RefundQuery), **_errors(400, 401, 429)},
        description="Also served at /openapi/order/refund, /openapi/openapi/v2/... and with "
        "v1. A refund is listed when its number is in refundNo and its order in ids (each "
        "when given); at most 100 values in each list.",
    ),
    Operation(
        "POST",
        "/openapi/v2/order/orders",
        "Create an order of catalogue SKUs, paid and waiting to ship",
        body=CreateOrderBody,
        responses={
            200: ("the new order's id", OrderCreated),
            **_errors(400, 401, 413, 415, 422, 429),
        },
        description="Also served at /openapi/openapi/v2/... and with v1.",
    ),
    Operation(
        "GET",
        "/openapi/v2/order/orders",
        "List orders",
        params=(
            Param("ids", "query", {"type": "string"}, "comma-separated order ids"),
            Param("createStartTime", "query", TIME),
            Param("createEndTime", "query", TIME),
            Param("updateStartTime", "query", TIME),
            Param("updateEndTime", "query", TIME),
            *PAGE,
        ),
        responses={200: ("a page of orders, newest first", OrderList), **_errors(400, 401, 429)},
    ),
]


def document() -> dict[str, Any]:
    return build(
        "Kakaclo open API (mockrefund)",
        "Kakaclo's order refund endpoints as mockrefund emulates them; send "
        "`Authorization: Bearer <token>`.",
        OPERATIONS,
        BEARER,
    )
