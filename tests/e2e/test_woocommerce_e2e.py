"""The real server process, driven by the official `woocommerce` client and by curl's requests."""

import asyncio
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from woocommerce import API

from tests.e2e.server import running_server

pytestmark = pytest.mark.e2e
KEY, SECRET = "ck_mockrefund_test", "cs_mockrefund_test"


def test_the_official_client_over_http_signs_with_oauth(tmp_path: Path) -> None:
    with running_server(tmp_path / "client.db") as server:
        api = API(
            url=server.url, consumer_key=KEY, consumer_secret=SECRET, wp_api=False, version="v3"
        )
        created = api.post(
            "orders/700/refunds", {"order_refund": {"amount": "9.00", "reason": "r"}}
        )
        assert created.status_code == 201, created.text
        refund_id = created.json()["order_refund"]["id"]
        assert refund_id == 649
        assert api.get(f"orders/700/refunds/{refund_id}").json()["order_refund"]["reason"] == "r"
        assert [r["id"] for r in api.get("orders/700/refunds").json()["order_refunds"]] == [649]
        edited = api.put(f"orders/700/refunds/{refund_id}", {"order_refund": {"reason": "edited"}})
        assert edited.json()["order_refund"]["reason"] == "edited"
        deleted = api.delete(f"orders/700/refunds/{refund_id}")
        assert deleted.json() == {"message": "Permanently deleted refund"}
        assert api.get(f"orders/700/refunds/{refund_id}").status_code == 404


def test_the_seed_curl_examples(tmp_path: Path) -> None:
    auth = (KEY, SECRET)
    with (
        running_server(tmp_path / "seed.db") as server,
        httpx.Client(base_url=f"{server.url}/wc-api/v3", auth=auth) as http,
    ):
        created = http.post("/orders/645/refunds", json={"order_refund": {"amount": 10}})
        assert created.status_code == 201
        assert created.json()["order_refund"]["id"] == 649
        assert http.get("/orders/645/refunds/649").json()["order_refund"]["amount"] == "10.00"
        assert [r["id"] for r in http.get("/orders/645/refunds").json()["order_refunds"]] == [
            649,
            647,
        ]
        edited = http.put(
            "/orders/645/refunds/649",
            json={"order_refund": {"reason": "Because was it necessary!"}},
        )
        assert edited.json()["order_refund"]["reason"] == "Because was it necessary!"
        assert http.delete("/orders/645/refunds/649").json() == {
            "message": "Permanently deleted refund"
        }
        gone = http.get("/orders/645/refunds/649")
        assert gone.status_code == 404
        assert gone.json()["errors"][0]["code"] == "woocommerce_api_invalid_order_refund_id"


def test_64_concurrent_refunds_never_exceed_the_order_total(tmp_path: Path) -> None:
    # Order 645: total 65.98, 21.99 refunded already; 64 x 1.50 asks for 96.00.
    async def race(url: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(
            base_url=url, auth=(KEY, SECRET), limits=httpx.Limits(max_connections=64), timeout=30
        ) as http:
            return await asyncio.gather(
                *(http.post("/wc-api/v3/orders/645/refunds",
                            json={"order_refund": {"amount": "1.50"}}) for _ in range(64))
            )  # fmt: skip

    with running_server(tmp_path / "race.db") as server:
        responses = asyncio.run(race(server.url))
        listed = httpx.get(f"{server.url}/wc-api/v3/orders/645/refunds", auth=(KEY, SECRET))
    granted = [r for r in responses if r.status_code == 201]
    refused = [r for r in responses if r.status_code != 201]
    assert len(granted) == 29  # floor(43.99 / 1.50)
    assert {r.json()["errors"][0]["code"] for r in refused} == {
        "woocommerce_api_cannot_create_order_refund"
    }
    total = sum(Decimal(r["amount"]) for r in listed.json()["order_refunds"])
    assert total <= Decimal("65.98")
