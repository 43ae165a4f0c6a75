"""Header injection through the texts a refund carries (Kakaclo's remark, SHOPLINE's note
and gateway, WooCommerce's reason): no answer carries the injected header, and the text
comes back intact, escaped in JSON."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.abuse.platforms import AUTH, Endpoint, assert_refused, assert_success
from tests.abuse.values import (
    KAKACLO_CREATE,
    KAKACLO_REFUND,
    SHOPLINE_REFUND,
    WOO_CREATE,
    WOO_EDIT,
    with_token,
)

TEXTS = [
    "x\r\nSet-Cookie: a=b",
    "x\nLocation: https://evil.example\n\n<html>",
    "\r\n\r\nHTTP/1.1 200 OK\r\nSet-Cookie: a=b",
    "x%0d%0aSet-Cookie:%20a=b",
    "a\u0000b\u2028c\u2029d\u0085e",
    "\u202eevil\u202c \U0001f600",
    "</script><script>alert(1)</script>",
]
SHOPLINE_ORDER_REFUNDS = "/admin/openapi/v20220901/orders/21057520029298437725452511/refunds.json"


def _sent(client: TestClient, endpoint: Endpoint, where: tuple[str | int, ...], text: str) -> Any:
    body = endpoint.body
    assert body is not None
    response = endpoint.request(client, content=with_token(body, where, json.dumps(text)))
    assert_success(endpoint, response)
    # Escaped in the JSON: no raw line break that a proxy could read as the body's end.
    assert b"\r" not in response.content
    assert b"\n" not in response.content
    return response


@pytest.mark.parametrize("text", TEXTS)
def test_kakaclo_remark(client: TestClient, text: str) -> None:
    _sent(client, KAKACLO_REFUND, ("remark",), text)
    listed = client.get("/openapi/v2/order/orders/refund/10001", headers=AUTH["kakaclo"])
    # Kakaclo and SHOPLINE trim the whitespace around a text, as their Java services do.
    assert [entry["remark"] for entry in listed.json()["data"]["list"]] == [text.strip()]


@pytest.mark.parametrize("text", TEXTS)
def test_kakaclo_new_orders_texts(client: TestClient, text: str) -> None:
    for where in (("remark",), ("customOrderId",), ("orderAddresses", "street2")):
        created = _sent(client, KAKACLO_CREATE, where, text).json()["data"]
        listed = client.get(
            "/openapi/v2/order/orders", params={"ids": created}, headers=AUTH["kakaclo"]
        )
        order = listed.json()["data"]["list"][0]
        shown = (
            order["shippingAddress"]["street2"] if where[0] == "orderAddresses" else order[where[0]]
        )
        assert shown == text.strip()


@pytest.mark.parametrize("text", TEXTS)
def test_shopline_note_and_gateway(client: TestClient, text: str) -> None:
    created = _sent(client, SHOPLINE_REFUND, ("note",), text).json()["data"]
    assert created["note"] == text.strip()
    _sent(client, SHOPLINE_REFUND, ("transactions", 0, "gateway"), text)
    refunds = client.get(SHOPLINE_ORDER_REFUNDS, headers=AUTH["shopline"]).json()["refunds"]
    assert refunds[0]["note"] == text.strip()
    assert refunds[1]["transactions"][0]["gateway"] == text.strip()


@pytest.mark.parametrize("text", TEXTS)
def test_woocommerce_reason(client: TestClient, text: str) -> None:
    created = _sent(client, WOO_CREATE, ("order_refund", "reason"), text).json()
    assert created["order_refund"]["reason"] == text
    edited = _sent(client, WOO_EDIT, ("order_refund", "reason"), text[::-1]).json()
    assert edited["order_refund"]["reason"] == text[::-1]
    viewed = client.get("/wc-api/v3/orders/645/refunds/647", headers=AUTH["woocommerce"])
    assert viewed.json()["order_refund"]["reason"] == text[::-1]


@pytest.mark.parametrize("text", TEXTS)
def test_kakaclos_reason_is_one_of_its_words(shared: TestClient, text: str) -> None:
    raw = with_token(KAKACLO_REFUND.body or {}, ("refundReason",), json.dumps(text))
    assert_refused(KAKACLO_REFUND, KAKACLO_REFUND.request(shared, content=raw), 400)


@pytest.mark.parametrize(
    "header",
    [
        {"X-Mockrefund-Sandbox": "default\tSet-Cookie: a=b"},
        {"Host": "open001.localhost\tSet-Cookie"},
        {"X-HTTP-Method-Override": "GET\tSet-Cookie: a=b"},
        {"Authorization": "Bearer x\tSet-Cookie: a=b"},
    ],
)
def test_odd_request_headers_are_not_echoed(shared: TestClient, header: dict[str, str]) -> None:
    for path in (
        "/openapi/v2/order/orders",
        "/admin/openapi/v20220901/orders.json",
        "/wc-api/v3/orders/645",
    ):
        response = shared.get(path, headers=header)
        assert response.status_code < 500
        assert "set-cookie" not in response.headers
