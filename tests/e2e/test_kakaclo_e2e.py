"""The real server process: the seed's curl examples, a race for the last units, a kill -9."""

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import Server, running_server
from tests.platforms.kakaclo.conftest import AUTH, NEW_ORDER, SEED_ITEMS

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


PATH_FORMS = ["/openapi/v2", "/openapi/openapi/v2", "/openapi/v1", "/openapi/openapi/v1"]
QUERY_FORMS = ["/openapi", *PATH_FORMS]


def test_every_documented_query_form_against_the_real_server(tmp_path: Path) -> None:
    with running_server(tmp_path / "forms.db") as server, httpx.Client(base_url=server.url) as http:

        def listed(path: str, **params: str) -> list[tuple[str, str, str, str]]:
            answer = http.get(path, params=params, headers=AUTH)
            body = answer.json()
            assert (answer.status_code, body["code"], body["message"]) == (200, 10000, "success")
            return [
                (e["refundNo"], e["id"], e["refundStatus"], e["reason"])
                for e in body["data"]["list"]
            ]

        http.post(REFUND.format("10001"), json=SEED_ITEMS, headers=HEADERS)
        reason = {
            "orderItems": [{"itemId": "130003", "quantity": 1}],
            "refundReason": "Out Of Stock",
        }
        http.post(REFUND.format("1000000463303"), json=reason, headers=HEADERS)
        seed = [("10002", "10001", "pending_review", "Other")]
        other = [("10003", "1000000463303", "pending_review", "Out Of Stock")]
        for prefix in PATH_FORMS:
            assert listed(f"{prefix}/order/orders/refund/10001") == seed
            assert listed(f"{prefix}/order/orders/refund/10003") == other  # a refund number
        for prefix in QUERY_FORMS:
            path = f"{prefix}/order/refund"
            assert listed(path, refundNo="10002,10003") == other + seed
            assert listed(path, ids="10001") == seed
            assert listed(path, refundNo="10002,10003", ids="1000000463303") == other
            assert listed(path, refundNo="10002", ids="1000000463303") == []

        http.post("/__admin/clock/advance", json={"seconds": 86400})
        settled = listed("/openapi/order/refund", refundNo="10002,10003")
        assert [(number, status) for number, _, status, _ in settled] == [
            ("10003", "refund_successfully"),
            ("10002", "refund_successfully"),
        ]
        refused = http.get("/openapi/order/refund", params={"ids": "1" * 65}, headers=AUTH)
        assert (refused.status_code, refused.json()["code"]) == (400, 20002)


def data(response: httpx.Response) -> Any:
    body = response.json()
    assert body["code"] == 10000, body
    return body["data"]


def test_create_then_refund_then_query_by_the_new_form(tmp_path: Path) -> None:
    """Through a sandbox's base URL, as a client's own test would: the order it refunds is
    made through Kakaclo's API, and survives the server's kill -9."""
    db = tmp_path / "create.db"
    server = Server(db)
    try:
        sandbox = httpx.post(f"{server.url}/__admin/sandboxes").json()["id"]
        base = f"{server.url}/sandboxes/{sandbox}/openapi"  # Kakaclo's base URL ends in /openapi
        with httpx.Client(base_url=base, headers=HEADERS) as kakaclo:
            created = kakaclo.post("/openapi/v2/order/orders", json=NEW_ORDER)
            assert created.json() == {"code": 10000, "message": "ok", "data": "1000000463311"}
            order_id = created.json()["data"]
            unknown = {**NEW_ORDER, "orderItemsList": [{"sku": "NO-SUCH-SKU", "quantity": 1}]}
            refused = kakaclo.post("/openapi/v2/order/orders", json=unknown)
            assert (refused.status_code, refused.json()["code"]) == (422, 60001)

            refund = f"/openapi/v2/order/orders/{order_id}/refund"
            item = {"itemId": "210001", "skuCode": "FSZW08923_R_L_NUB", "quantity": 1}
            assert data(kakaclo.post(refund, json={"orderItems": [item]})) == 10002
            assert data(kakaclo.post(refund, json={"refundReason": "Out Of Stock"})) == 10003

            by_order = data(kakaclo.get("/order/refund", params={"ids": order_id}))["list"]
            assert [(e["refundNo"], e["id"], e["refundStatus"], e["reason"]) for e in by_order] == [
                ("10003", order_id, "pending_review", "Out Of Stock"),
                ("10002", order_id, "pending_review", "Other"),
            ]
            admin = f"{server.url}/__admin/sandboxes/{sandbox}"
            httpx.post(f"{admin}/clock/advance", json={"seconds": 86400})
            by_number = data(kakaclo.get("/order/refund", params={"refundNo": "10002,10003"}))
            assert [e["refundStatus"] for e in by_number["list"]] == ["refund_successfully"] * 2
            orders = data(kakaclo.get("/openapi/v2/order/orders", params={"ids": order_id}))
            order = orders["list"][0]
            assert (order["refundStatus"], order["refundedAmount"]) == ("refunded", 34.3)

        # The default sandbox has none of it.
        default = httpx.get(
            f"{server.url}/openapi/order/refund", params={"ids": order_id}, headers=AUTH
        )
        assert data(default)["total"] == 0
        journal = httpx.get(f"{admin}/requests", params={"method": "POST", "path": "/orders$"})
        assert [(e["status"], e["response_body"]) for e in journal.json()["requests"]] == [
            (200, created.text),
            (422, refused.text),
        ]
        server.kill()
    finally:
        server.stop()
    with running_server(db) as again:
        path = f"{again.url}/sandboxes/{sandbox}/openapi/order/refund"
        listed = data(httpx.get(path, params={"ids": order_id}, headers=AUTH))["list"]
        assert [e["refundNo"] for e in listed] == ["10003", "10002"]
