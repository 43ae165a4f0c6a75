"""Every emulated endpoint, read from the routers, with a valid request for each, and what
each platform's answers must look like: its error format, and its state, to prove that a
refused request changed nothing."""

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from mockrefund.platforms.kakaclo import routes as kakaclo_routes
from mockrefund.platforms.shopline import routes as shopline_routes
from mockrefund.platforms.woocommerce import routes as woo_routes
from tests.platforms.kakaclo.conftest import AUTH as KAKACLO_AUTH
from tests.platforms.kakaclo.conftest import NEW_ORDER
from tests.platforms.shopline.conftest import AUTH as SHOPLINE_AUTH
from tests.platforms.shopline.conftest import SEED_BODY, SEED_ORDER
from tests.platforms.woocommerce.conftest import basic

WOO_CONTENT_TYPE = "application/json; charset=UTF-8"
AUTH = {"kakaclo": KAKACLO_AUTH, "shopline": SHOPLINE_AUTH, "woocommerce": basic()}
# The ids a valid request names: an order with room for refunds, and a refund of it.
IDS = {
    "kakaclo": {"order_id": "10001"},
    "shopline": {"version": "v20220901", "order_id": SEED_ORDER, "refund_id": "2605755870074105241861"},
    "woocommerce": {"order_id": "645", "refund_id": "647"},
}  # fmt: skip
# A valid body for every endpoint that reads one, keyed by platform and the route's end.
BODIES: dict[tuple[str, str, str], dict[str, Any]] = {
    ("kakaclo", "POST", "/refund"): {
        "orderItems": [{"itemId": "120001", "quantity": 1}],
        "remark": "r",
        "refundReason": "Other",
    },
    ("kakaclo", "POST", "/orders"): NEW_ORDER,
    ("shopline", "POST", "/refund.json"): SEED_BODY,
    ("shopline", "POST", "/calculate.json"): {
        "refund_line_items": [{"line_item_id": "601", "quantity": 1, "type": "Shipped"}],
        "shipping": {"amount": "1.00"},
    },
    ("woocommerce", "POST", "/refunds"): {
        "order_refund": {
            "amount": "1.00",
            "reason": "r",
            "line_items": {"504": {"qty": 1, "refund_total": "1.00", "refund_tax": ["0.10"]}},
        }
    },
    **{
        ("woocommerce", method, "/{refund_id}"): {"order_refund": {"amount": "1.00", "reason": "r"}}
        for method in ("PUT", "POST", "PATCH")
    },
}


@dataclass(frozen=True)
class Endpoint:
    platform: str
    method: str
    template: str  # as routed, e.g. /admin/openapi/{version}/orders/{order_id}/refunds.json

    @property
    def name(self) -> str:
        return f"{self.platform} {self.method} {self.template}"

    @property
    def body(self) -> dict[str, Any] | None:
        for (platform, method, end), body in BODIES.items():
            if (platform, method) == (self.platform, self.method) and self.template.endswith(end):
                return body
        return None

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    def path(self, **ids: str) -> str:
        return self.template.format(**{**IDS[self.platform], **ids})

    def request(
        self,
        client: TestClient,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        query: str = "",
        **ids: str,
    ) -> Any:
        """The valid request, or with another body, headers, query or ids."""
        if content is None and self.body is not None:
            content = json.dumps(self.body).encode()
        sent = {**AUTH[self.platform], **({"Content-Type": content_type(self)} if content else {})}
        url = self.path(**ids) + (f"?{query}" if query else "")
        return client.request(
            self.method, url, content=content, headers={**sent, **(headers or {})}
        )


def content_type(endpoint: Endpoint) -> str:
    # SHOPLINE's seed page fixes this exact value; the others take plain application/json.
    return (
        "application/json; charset=utf-8" if endpoint.platform == "shopline" else "application/json"
    )


def _routed(platform: str, routes: Sequence[Any]) -> Iterator[Endpoint]:
    for route in routes:
        if isinstance(route, APIRoute):
            for method in sorted(route.methods or ()):
                yield Endpoint(platform, method, route.path)


def _woocommerce() -> Iterator[Endpoint]:
    # One catch-all route dispatches WooCommerce's paths: its table is the list of routes.
    yield Endpoint("woocommerce", "GET", "/wc-api/v3")
    for pattern, handlers in woo_routes.ROUTES:
        template = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern.pattern)
        for method in sorted(handlers):
            if method != "HEAD":  # GET's answer without a body: nothing to read a format from
                yield Endpoint("woocommerce", method, f"/wc-api/v3{template}")


ENDPOINTS = [
    *_routed("kakaclo", kakaclo_routes.router.routes),
    *_routed("shopline", shopline_routes.router.routes),
    *_woocommerce(),
]
BODY_ENDPOINTS = [e for e in ENDPOINTS if e.body is not None]


def endpoint_params(endpoints: Sequence[Endpoint]) -> list[Any]:
    return [pytest.param(e, id=e.name) for e in endpoints]


def assert_clean(response: Any) -> None:
    """Whatever the answer: no 500, no FastAPI body, no header made from what was sent."""
    assert response.status_code < 500, response.text
    assert "set-cookie" not in response.headers
    for name, value in response.headers.raw:
        assert b"\r" not in value, (name, value)
        assert b"\n" not in value, (name, value)
    if response.content:
        body = response.json()
        assert not (isinstance(body, dict) and "detail" in body), body


def assert_kakaclo_error(response: Any) -> None:
    body = response.json()
    assert set(body) == {"code", "message", "data"}, body
    assert body["code"] != 10000
    assert isinstance(body["code"], int)
    assert isinstance(body["message"], str)
    assert body["message"]
    assert body["data"] is None


def assert_shopline_error(response: Any) -> None:
    assert response.headers["traceId"]
    body = response.json()
    assert set(body) == {"errors"}, body
    assert isinstance(body["errors"], str)
    assert body["errors"]


def assert_woo_error(response: Any) -> None:
    assert response.headers["content-type"] == WOO_CONTENT_TYPE
    body = response.json()
    assert set(body) == {"errors"}, body
    (error,) = body["errors"]
    assert set(error) == {"code", "message"}
    assert error["code"].startswith("woocommerce_api_")
    assert error["message"]


ERROR_FORMATS: dict[str, Callable[[Any], None]] = {
    "kakaclo": assert_kakaclo_error,
    "shopline": assert_shopline_error,
    "woocommerce": assert_woo_error,
}


def assert_refused(endpoint: Endpoint, response: Any, status: int | None = None) -> None:
    assert_clean(response)
    assert 400 <= response.status_code < 500, response.text
    if status is not None:
        assert response.status_code == status, response.text
    ERROR_FORMATS[endpoint.platform](response)


def assert_success(endpoint: Endpoint, response: Any) -> dict[str, Any]:
    assert_clean(response)
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    if endpoint.platform == "kakaclo":
        assert body["code"] == 10000
    elif endpoint.platform == "shopline":
        assert response.headers["traceId"]
    else:
        assert response.headers["content-type"] == WOO_CONTENT_TYPE
    return body


def state(client: TestClient, platform: str) -> Any:
    """Everything a refund could change, read through the platform's own API."""
    auth = AUTH[platform]
    if platform == "kakaclo":
        # Each order's refund status, refundable and refunded money and modifyDate.
        return client.get("/openapi/v2/order/orders", params={"pageSize": 250}, headers=auth).json()
    if platform == "shopline":
        api = "/admin/openapi/v20220901/orders.json"
        return client.get(api, params={"status": "any", "limit": 100}, headers=auth).json()
    paths = ("/orders/645", "/orders/645/refunds", "/orders/700/refunds")
    return [client.get(f"/wc-api/v3{path}", headers=auth).json() for path in paths]
