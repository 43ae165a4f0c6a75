"""One large order per platform, added to a sandbox through the control plane, so that a
test can refund one unit at a time for as long as it likes; how each platform answers
such a refund, and where its refunds are listed."""

from collections.abc import Callable
from typing import Any

import httpx

from tests.replicas.apis import Admin, Kakaclo, Sandbox, Shopline, Woo
from tests.replicas.servers import Server

PLATFORMS = ["kakaclo", "shopline", "woocommerce"]
UNITS = 100_000  # far more than any test refunds
CREATED_AT = "2024-01-01T00:00:00Z"
ORDER_ID = "990000"
ITEM_ID = "990001"
SHOPLINE_ORDER = "21057520029298437799990000"
SHOPLINE_SLIP = "23057520029306658599990000"


def _item(**extra: Any) -> dict[str, Any]:
    return {"id": ITEM_ID, "name": "Crate of socks", "quantity": UNITS, "price": "1.00", **extra}


LARGE_ORDERS: dict[str, dict[str, Any]] = {
    "kakaclo": {"id": ORDER_ID, "created_at": CREATED_AT, "items": [_item()]},
    "shopline": {
        "id": SHOPLINE_ORDER,
        "created_at": CREATED_AT,
        "items": [_item(location_id="5409714787218633772")],
        "payments": [{"id": SHOPLINE_SLIP, "gateway": "Paypal"}],
    },
    "woocommerce": {
        "id": ORDER_ID,
        "status": "processing",
        "created_at": CREATED_AT,
        "items": [_item()],
        "payments": [{"id": "990000-cod", "gateway": "cod", "refunds": "unsupported"}],
    },
}


def add_large_orders(sandbox: Sandbox, server: Server) -> None:
    admin = Admin(sandbox)
    for platform in PLATFORMS:
        admin.add_order(server, platform, LARGE_ORDERS[platform])


def _kakaclo_refund(sandbox: Sandbox, server: Server) -> httpx.Response:
    body = {"orderItems": [{"itemId": ITEM_ID, "quantity": 1}]}
    return Kakaclo(sandbox).refund(server, ORDER_ID, body)


def _shopline_refund(sandbox: Sandbox, server: Server) -> httpx.Response:
    body = {
        "order_id": SHOPLINE_ORDER,
        "refund_line_items": [{"line_item_id": int(ITEM_ID), "quantity": 1, "type": "Unshipped"}],
        "transactions": [{"id": SHOPLINE_SLIP, "amount": "1.00"}],
    }
    return Shopline(sandbox).refund(server, body)


def _woo_refund(sandbox: Sandbox, server: Server) -> httpx.Response:
    line = {"qty": 1, "refund_total": "1.00"}
    refund = {"amount": "1.00", "line_items": {ITEM_ID: line}}
    return Woo(sandbox).create(server, int(ORDER_ID), refund)


REFUND_ONE_UNIT: dict[str, Callable[[Sandbox, Server], httpx.Response]] = {
    "kakaclo": _kakaclo_refund,
    "shopline": _shopline_refund,
    "woocommerce": _woo_refund,
}


def refund_one_unit(platform: str, sandbox: Sandbox, server: Server) -> httpx.Response:
    return REFUND_ONE_UNIT[platform](sandbox, server)


def granted_id(platform: str, answer: httpx.Response) -> str | None:
    """The refund's id when the answer is a success, else None."""
    if platform == "kakaclo":
        body = answer.json()
        return str(body["data"]) if answer.status_code == 200 and body["code"] == 10000 else None
    if platform == "shopline":
        return str(answer.json()["data"]["id"]) if answer.status_code == 200 else None
    return str(answer.json()["order_refund"]["id"]) if answer.status_code == 201 else None


def listed_ids(platform: str, sandbox: Sandbox, server: Server) -> set[str]:
    """Every refund of the platform's large order, as its API lists them."""
    if platform == "kakaclo":
        return {r["refundNo"] for r in Kakaclo(sandbox).refunds(server, ORDER_ID)}
    if platform == "shopline":
        answer = Shopline(sandbox).refunds(server, SHOPLINE_ORDER)
        assert answer.status_code == 200, answer.text
        return {r["id"] for r in answer.json()["refunds"]}
    return {str(r["id"]) for r in Woo(sandbox).refunds(server, int(ORDER_ID))}
