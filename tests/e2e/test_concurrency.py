"""Races the per-platform e2e tests leave out: 64 clients at once on one order through
the other write paths (a whole-order refund, the shipping, an update racing creates).
Never more is refunded than there was."""

import asyncio
from collections.abc import Callable, Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import running_server
from tests.platforms.kakaclo.conftest import AUTH as KAKACLO_AUTH
from tests.platforms.shopline.conftest import API, AUTH, HEADERS, SLIP_B, TWO_SLIPS_ORDER
from tests.platforms.woocommerce.conftest import KEY, SECRET

pytestmark = pytest.mark.e2e
CLIENTS = 64
Call = Callable[[httpx.AsyncClient, int], Coroutine[Any, Any, httpx.Response]]


def race(url: str, call: Call, **client: Any) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=CLIENTS)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60, **client) as http:
            return await asyncio.gather(*(call(http, n) for n in range(CLIENTS)))

    return asyncio.run(run())


def test_64_whole_order_refunds_of_one_kakaclo_order(tmp_path: Path) -> None:
    # An empty body refunds everything that is left: only one of them can.
    def call(http: httpx.AsyncClient, _n: int) -> Coroutine[Any, Any, httpx.Response]:
        return http.post(
            "/openapi/v2/order/orders/1000000463303/refund", content=b"{}", headers=KAKACLO_AUTH
        )

    with running_server(tmp_path / "whole.db") as server:
        responses = race(server.url, call)
        order = httpx.get(
            f"{server.url}/openapi/v2/order/orders",
            params={"ids": "1000000463303"},
            headers=KAKACLO_AUTH,
        ).json()["data"]["list"][0]
        listed = httpx.get(
            f"{server.url}/openapi/v2/order/orders/refund/1000000463303", headers=KAKACLO_AUTH
        ).json()["data"]
    codes = [r.json()["code"] for r in responses]
    assert (codes.count(10000), codes.count(50005)) == (1, CLIENTS - 1)
    assert listed["total"] == 1
    assert Decimal(str(order["refundableAmount"])) == 0


def test_64_shipping_refunds_of_one_shopline_order(tmp_path: Path) -> None:
    # The order's 6.00 of shipping, asked for 64 times: once only (`full_refund` would
    # mean "what is left", 0.00 after the first).
    body = {
        "order_id": TWO_SLIPS_ORDER,
        "shipping": {"amount": "6.00"},
        "transactions": [{"id": SLIP_B, "amount": "0.10"}],
    }

    def call(http: httpx.AsyncClient, _n: int) -> Coroutine[Any, Any, httpx.Response]:
        return http.post(f"{API}/order/refund.json", json=body, headers=HEADERS)

    with running_server(tmp_path / "shipping.db") as server:
        responses = race(server.url, call)
        refunds = httpx.get(
            f"{server.url}{API}/orders/{TWO_SLIPS_ORDER}/refunds.json", headers=AUTH
        ).json()["refunds"]
    statuses = [r.status_code for r in responses]
    assert (statuses.count(200), statuses.count(422)) == (1, CLIENTS - 1)
    shipping = [
        Decimal(adjustment["amount"])
        for refund in refunds
        for adjustment in refund["order_adjustments"]
        if adjustment["kind"] == "shipping_refund"
    ]
    assert shipping == [Decimal("6.00")]


def test_woocommerce_updates_racing_creates_never_exceed_the_order(tmp_path: Path) -> None:
    # Order 645: 65.98, of which refund 647 holds 21.99. Half the clients raise 647 to
    # 40.00, the others create refunds of 5.00: together they ask for far more than 65.98.
    def call(http: httpx.AsyncClient, n: int) -> Coroutine[Any, Any, httpx.Response]:
        if n % 2:
            body = {"order_refund": {"amount": f"{40 - n % 7}.00"}}
            return http.put("/wc-api/v3/orders/645/refunds/647", json=body)
        return http.post("/wc-api/v3/orders/645/refunds", json={"order_refund": {"amount": "5.00"}})

    with running_server(tmp_path / "edits.db") as server:
        responses = race(server.url, call, auth=(KEY, SECRET))
        listed = httpx.get(f"{server.url}/wc-api/v3/orders/645/refunds", auth=(KEY, SECRET)).json()[
            "order_refunds"
        ]
    assert {r.status_code for r in responses} <= {200, 201, 400}
    refused = {r.json()["errors"][0]["code"] for r in responses if r.status_code == 400}
    assert refused <= {"woocommerce_api_cannot_create_order_refund"}
    total = sum(Decimal(refund["amount"]) for refund in listed)
    assert total <= Decimal("65.98")
    created = [r for r in responses if r.status_code == 201]
    assert len(listed) == 1 + len(created)
