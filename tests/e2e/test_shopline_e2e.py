"""The real server process: the seed page's example, and races for the last units and
for the last money of a payment slip."""

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import running_server
from tests.platforms.shopline.conftest import (
    API,
    AUTH,
    HEADERS,
    SEED_BODY,
    SEED_ORDER,
    SEED_REFUND_ID,
    SLIP_A,
    SLIP_B,
    TWO_SLIPS_ORDER,
)

pytestmark = pytest.mark.e2e
REFUND = f"{API}/order/refund.json"


def test_the_seed_example_against_the_real_server(tmp_path: Path) -> None:
    with running_server(tmp_path / "seed.db") as server, httpx.Client(base_url=server.url) as http:
        # As the seed page documents it: the handle's host, the fixed content type.
        headers = {**HEADERS, "Host": f"open001.localhost:{server.port}"}
        created = http.post(REFUND, content=json.dumps(SEED_BODY).encode(), headers=headers)
        assert created.status_code == 200
        assert created.headers["traceId"]
        data = created.json()["data"]
        assert (data["id"], data["order_id"]) == (SEED_REFUND_ID, SEED_ORDER)
        assert [tx["status"] for tx in data["transactions"]] == ["pending"]

        listed = http.get(f"{API}/orders/{SEED_ORDER}/refunds.json", headers=AUTH)
        assert [r["id"] for r in listed.json()["refunds"]] == [SEED_REFUND_ID]
        orders = http.get(f"{API}/orders.json", params={"ids": SEED_ORDER}, headers=AUTH)
        assert orders.json()["orders"][0]["financial_status"] == "partially_refunded"

        http.post("/__admin/clock/advance", json={"seconds": 86400})
        got = http.get(f"{API}/orders/{SEED_ORDER}/refunds/{SEED_REFUND_ID}.json", headers=AUTH)
        assert [tx["status"] for tx in got.json()["refund"]["transactions"]] == ["success"]

        wrong_host = http.get(
            f"{API}/orders.json", headers={**AUTH, "Host": f"open002.localhost:{server.port}"}
        )
        assert (wrong_host.status_code, set(wrong_host.json())) == (401, {"errors"})
        assert wrong_host.headers["traceId"]


def race(url: str, body: dict[str, Any], count: int = 64) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=count)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
            return await asyncio.gather(
                *(http.post(REFUND, json=body, headers=HEADERS) for _ in range(count))
            )

    return asyncio.run(run())


def granted_refunds(url: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}{API}/orders/{TWO_SLIPS_ORDER}/refunds.json", headers=AUTH)
    refunds: list[dict[str, Any]] = response.json()["refunds"]
    return refunds


def test_64_concurrent_refunds_for_the_last_units_of_a_line(tmp_path: Path) -> None:
    body = {  # line 901 has 4 units; slip B has money enough for all 64
        "order_id": TWO_SLIPS_ORDER,
        "refund_line_items": [{"line_item_id": 901, "quantity": 1, "type": "Unshipped"}],
        "transactions": [{"id": SLIP_B, "amount": "0.50"}],
    }
    with running_server(tmp_path / "units.db") as server:
        responses = race(server.url, body)
        refunds = granted_refunds(server.url)
    statuses = [r.status_code for r in responses]
    assert (statuses.count(200), statuses.count(422)) == (4, 60)
    assert all(r.headers["traceId"] for r in responses)
    refused = {r.json()["errors"] for r in responses if r.status_code == 422}
    assert refused == {"refund quantity of line item 901 exceeds the refundable quantity 0"}
    assert sum(line["quantity"] for r in refunds for line in r["refund_line_items"]) == 4
    granted = sorted(r.json()["data"]["id"] for r in responses if r.status_code == 200)
    assert granted == sorted(r["id"] for r in refunds)
    assert len(set(granted)) == 4


def test_64_concurrent_refunds_for_the_last_money_of_a_slip(tmp_path: Path) -> None:
    body = {  # slip A holds 30.00: four refunds of 7.50
        "order_id": TWO_SLIPS_ORDER,
        "transactions": [{"id": SLIP_A, "amount": "7.50"}],
    }
    with running_server(tmp_path / "money.db") as server:
        responses = race(server.url, body)
        refunds = granted_refunds(server.url)
    statuses = [r.status_code for r in responses]
    assert (statuses.count(200), statuses.count(422)) == (4, 60)
    sent_back = sum(Decimal(tx["amount"]) for r in refunds for tx in r["transactions"])
    assert sent_back == Decimal("30.00")
    assert {tx["parent_id"] for r in refunds for tx in r["transactions"]} == {SLIP_A}
