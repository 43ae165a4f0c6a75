"""kill -9 during a write load, on each platform: every refund answered with success is
there after a restart on the same database, and no refund is half-written.

Clients fire refunds of one unit of a large order without pause; after ACKNOWLEDGED
successes the server process is killed while the other clients' requests are in flight.
The restarted server is then asked, through the platform's API, for every refund it
acknowledged, and the SQLite file is read directly for lines and transactions without
their refund, or refunds without the lines their answer showed.
"""

import asyncio
import signal
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import Server, running_server
from tests.platforms.kakaclo.conftest import AUTH as KAKACLO_AUTH
from tests.platforms.shopline.conftest import AUTH as SHOPLINE_AUTH
from tests.platforms.shopline.conftest import HEADERS as SHOPLINE_HEADERS
from tests.platforms.woocommerce.conftest import basic

pytestmark = pytest.mark.e2e
ACKNOWLEDGED = 40
CLIENTS = 8
UNITS = 100_000  # far more than the load can refund: every refund succeeds until the kill
CREATED_AT = "2024-01-01T00:00:00Z"


@dataclass(frozen=True)
class Granted:
    """What an acknowledged answer showed: the refund's id, its lines and transactions."""

    ref: str
    lines: int
    transactions: int


@dataclass(frozen=True)
class Platform:
    name: str
    order_ref: str
    order: dict[str, Any]  # for POST /__admin/orders
    send: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]
    granted: Callable[[httpx.Response], Granted | None]
    listed: Callable[[str], dict[str, Granted]]  # every refund of the order, via the API


def _item(item_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "name": "Crate of socks", "quantity": UNITS, "price": "1.00", **extra}


# Kakaclo: one unit of item 990001 per refund; the answer is the refund number alone.
def _kakaclo_send(http: httpx.AsyncClient) -> Awaitable[httpx.Response]:
    body = {"orderItems": [{"itemId": "990001", "quantity": 1}], "remark": "crash"}
    return http.post("/openapi/v2/order/orders/990000/refund", json=body, headers=KAKACLO_AUTH)


def _kakaclo_granted(response: httpx.Response) -> Granted | None:
    body = response.json()
    return Granted(str(body["data"]), 1, 0) if body["code"] == 10000 else None


def _kakaclo_listed(url: str) -> dict[str, Granted]:
    answer = httpx.get(
        f"{url}/openapi/v2/order/orders/refund/990000",
        params={"pageSize": 250},
        headers=KAKACLO_AUTH,
    ).json()["data"]
    assert answer["total"] == len(answer["list"])
    order = httpx.get(
        f"{url}/openapi/v2/order/orders", params={"ids": "990000"}, headers=KAKACLO_AUTH
    ).json()["data"]["list"][0]
    # Kakaclo shows no lines in its refund query; the order's money shows them: each
    # refund took one unit at 1.00.
    refunded = Decimal(UNITS) - Decimal(str(order["refundableAmount"]))
    assert refunded == len(answer["list"])
    return {entry["refundNo"]: Granted(entry["refundNo"], 1, 0) for entry in answer["list"]}


# SHOPLINE: one unit of line 990001 and 1.00 through the slip per refund.
def _shopline_send(http: httpx.AsyncClient) -> Awaitable[httpx.Response]:
    body = {
        "order_id": "21057520029298437799990000",
        "refund_line_items": [{"line_item_id": 990001, "quantity": 1, "type": "Unshipped"}],
        "transactions": [{"id": "23057520029306658599990000", "amount": "1.00"}],
    }
    return http.post(
        "/admin/openapi/v20220901/order/refund.json", json=body, headers=SHOPLINE_HEADERS
    )


def _shopline_granted(response: httpx.Response) -> Granted | None:
    if response.status_code != 200:
        return None
    data = response.json()["data"]
    return Granted(data["id"], len(data["refund_line_items"]), len(data["transactions"]))


def _shopline_listed(url: str) -> dict[str, Granted]:
    refunds = httpx.get(
        f"{url}/admin/openapi/v20220901/orders/21057520029298437799990000/refunds.json",
        params={"limit": 250},
        headers=SHOPLINE_AUTH,
    ).json()["refunds"]
    for refund in refunds:
        assert [line["quantity"] for line in refund["refund_line_items"]] == [1]
        assert [tx["amount"] for tx in refund["transactions"]] == ["1.00"]
    return {
        r["id"]: Granted(r["id"], len(r["refund_line_items"]), len(r["transactions"]))
        for r in refunds
    }


# WooCommerce: 1.00 for one unit of item 990001 per refund, made at once.
def _woo_send(http: httpx.AsyncClient) -> Awaitable[httpx.Response]:
    line = {"qty": 1, "refund_total": "1.00"}
    body = {"order_refund": {"amount": "1.00", "line_items": {"990001": line}}}
    return http.post("/wc-api/v3/orders/990000/refunds", json=body, headers=basic())


def _woo_granted(response: httpx.Response) -> Granted | None:
    if response.status_code != 201:
        return None
    refund = response.json()["order_refund"]
    return Granted(str(refund["id"]), len(refund["line_items"]), 0)


def _woo_listed(url: str) -> dict[str, Granted]:
    refunds = httpx.get(f"{url}/wc-api/v3/orders/990000/refunds", headers=basic()).json()
    for refund in refunds["order_refunds"]:
        assert refund["amount"] == "1.00"
        assert [(li["quantity"], li["total"]) for li in refund["line_items"]] == [(1, "-1.00")]
    return {
        str(r["id"]): Granted(str(r["id"]), len(r["line_items"]), 0)
        for r in refunds["order_refunds"]
    }


PLATFORMS = [
    Platform(
        "kakaclo",
        "990000",
        {"id": "990000", "created_at": CREATED_AT, "items": [_item("990001")]},
        _kakaclo_send,
        _kakaclo_granted,
        _kakaclo_listed,
    ),
    Platform(
        "shopline",
        "21057520029298437799990000",
        {
            "id": "21057520029298437799990000",
            "created_at": CREATED_AT,
            "items": [_item("990001", location_id="5409714787218633772")],
            "payments": [{"id": "23057520029306658599990000", "gateway": "Paypal"}],
        },
        _shopline_send,
        _shopline_granted,
        _shopline_listed,
    ),
    Platform(
        "woocommerce",
        "990000",
        {
            "id": "990000",
            "status": "processing",
            "created_at": CREATED_AT,
            "gateway": "cod",
            "items": [_item("990001")],
            "payments": [{"id": "990000-cod", "gateway": "cod", "refunds": "unsupported"}],
        },
        _woo_send,
        _woo_granted,
        _woo_listed,
    ),
]


def load_until_killed(server: Server, platform: Platform) -> list[Granted]:
    """Refunds from CLIENTS clients at once; SIGKILL once ACKNOWLEDGED have succeeded.
    Returns every refund answered with success, those that arrived after the kill
    signal included."""
    granted: list[Granted] = []

    async def client(http: httpx.AsyncClient) -> None:
        while server.process.poll() is None:
            try:
                response = await platform.send(http)
            except httpx.TransportError:
                return  # killed while this request was in flight, or before it left
            answer = platform.granted(response)
            assert answer is not None, response.text
            granted.append(answer)
            if len(granted) == ACKNOWLEDGED:
                server.process.send_signal(signal.SIGKILL)  # the others are in flight

    async def run() -> None:
        limits = httpx.Limits(max_connections=CLIENTS)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as http:
            await asyncio.gather(*(client(http) for _ in range(CLIENTS)))

    asyncio.run(run())
    server.process.wait(timeout=10)
    assert server.process.returncode == -signal.SIGKILL
    return granted


def rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return list(conn.execute(sql, params))


def assert_nothing_half_written(db: Path, platform: Platform, granted: list[Granted]) -> None:
    """Straight from the file: no line or transaction without its refund, and every refund
    of the order with the lines and transactions its answer showed."""
    for table in ("refundline", "refundtransaction"):
        orphans = rows(db, f"SELECT id FROM {table} WHERE refund_id NOT IN (SELECT id FROM refund)")
        assert orphans == [], table
    stored = rows(
        db,
        "SELECT r.ref, r.amount,"
        " (SELECT COUNT(*) FROM refundline l WHERE l.refund_id = r.id),"
        " (SELECT COALESCE(SUM(l.quantity), 0) FROM refundline l WHERE l.refund_id = r.id),"
        " (SELECT COUNT(*) FROM refundtransaction t WHERE t.refund_id = r.id)"
        " FROM refund r JOIN orders o ON o.id = r.order_id JOIN store s ON s.id = o.store_id"
        " WHERE o.ref = ? AND s.platform = ? AND r.sandbox_id = 'default'",
        platform.order_ref,
        platform.name,
    )
    shape = {g.lines: g.transactions for g in granted}
    assert len(shape) == 1  # every answer showed the same refund shape
    ((lines, transactions),) = shape.items()
    for ref, amount, line_count, units, tx_count in stored:
        assert (line_count, units, tx_count) == (lines, lines, transactions), ref
        assert amount == 10_000, ref  # 1.00, in 1/10000 units
    assert {g.ref for g in granted} <= {ref for ref, *_ in stored}


@pytest.mark.parametrize("platform", PLATFORMS, ids=[p.name for p in PLATFORMS])
def test_kill_9_during_a_write_load(tmp_path: Path, platform: Platform) -> None:
    db = tmp_path / "crash.db"
    server = Server(db)
    try:
        added = httpx.post(
            f"{server.url}/__admin/orders",
            json={"platform": platform.name, "order": platform.order},
        )
        assert added.status_code == 201, added.text
        granted = load_until_killed(server, platform)
    finally:
        server.stop()
    assert len(granted) >= ACKNOWLEDGED
    assert len({g.ref for g in granted}) == len(granted)  # no id given twice

    with running_server(db) as again:
        listed = platform.listed(again.url)
        # Every acknowledged refund is there, as its answer showed it.
        for answer in granted:
            assert listed[answer.ref] == answer
        # At most the requests in flight at the kill were written without an answer.
        assert len(listed) - len(granted) < CLIENTS
        assert_nothing_half_written(db, platform, granted)

        # The ids go on from where they were: the next refund takes a new one.
        async def one_more() -> httpx.Response:
            async with httpx.AsyncClient(base_url=again.url) as http:
                return await platform.send(http)

        after = platform.granted(asyncio.run(one_more()))
        assert after is not None
        assert after.ref not in listed
