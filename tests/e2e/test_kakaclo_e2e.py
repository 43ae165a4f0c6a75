"""The real server process: the seed's curl examples, a race for the last units, a kill -9."""

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import Server, running_server
from tests.platforms.kakaclo.conftest import AUTH, SEED_ITEMS

pytestmark = pytest.mark.e2e
HEADERS = {**AUTH, "Content-Type": "application/json"}
REFUND = "/openapi/openapi/v2/order/orders/{}/refund"


def test_seed_curl_examples_against_the_real_server(tmp_path: Path) -> None:
    with running_server(tmp_path / "seed.db") as server, httpx.Client(base_url=server.url) as http:
        first = http.post(REFUND.format("10001"), json=SEED_ITEMS, headers=HEADERS)
        assert (first.status_code, first.json()) == (
            200,
            {"code": 10000, "message": "ok", "data": 10002},
        )
        rest = http.post(REFUND.format("10001"), content=b"{}", headers=HEADERS)
        assert rest.json() == {"code": 10000, "message": "ok", "data": 10003}
        listed = http.get("/openapi/v2/order/orders/refund/10001", headers=AUTH).json()["data"]
        assert [e["refundStatus"] for e in listed["list"]] == ["pending_review"] * 2
        http.post("/__admin/clock/advance", json={"seconds": 86400})
        listed = http.get("/openapi/v2/order/orders/refund/10001", headers=AUTH).json()["data"]
        assert [e["refundStatus"] for e in listed["list"]] == ["refund_successfully"] * 2


def test_64_concurrent_requests_for_the_last_units(tmp_path: Path) -> None:
    body = {"orderItems": [{"itemId": "130003", "quantity": 1}]}  # 4 units in the fixtures

    async def race(url: str) -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:
            return await asyncio.gather(
                *(http.post(REFUND.format("1000000463303"), json=body, headers=HEADERS)
                  for _ in range(64))
            )  # fmt: skip

    with running_server(tmp_path / "race.db") as server:
        responses = asyncio.run(race(server.url))
    codes = [r.json()["code"] for r in responses]
    assert codes.count(10000) == 4
    assert codes.count(50008) == 60
    assert all(r.status_code in (200, 422) for r in responses)
    assert sorted(r.json()["data"] for r in responses if r.json()["code"] == 10000) == [
        10002, 10003, 10004, 10005,
    ]  # fmt: skip


def test_a_refund_answered_200_survives_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "durable.db"
    server = Server(db)
    try:
        answer = httpx.post(server.url + REFUND.format("10001"), json=SEED_ITEMS, headers=HEADERS)
        assert answer.json()["data"] == 10002
        server.kill()
    finally:
        server.stop()
    with running_server(db) as again:
        listed = httpx.get(f"{again.url}/openapi/v2/order/orders/refund/10001", headers=AUTH)
        assert [e["refundNo"] for e in listed.json()["data"]["list"]] == ["10002"]
