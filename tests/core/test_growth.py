"""Costs that do not grow with history: a refund's create, its settling and a query of it
run the same SQL statements whether its order has 1 earlier refund or 300, on every
platform; and none of them reads the order's earlier refunds.

Statements are counted with an engine event, through the whole request (the platform's
own reads and renders included), with the read cache off so that a cached answer cannot
hide a read.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from mockrefund.app import create_app
from mockrefund.core import orders
from mockrefund.runtime import Runtime
from tests.conftest import make_settings
from tests.platforms.kakaclo.conftest import AUTH as KAKACLO_AUTH
from tests.platforms.shopline.conftest import API, HEADERS
from tests.platforms.woocommerce.conftest import basic

EARLIER = (1, 300)
# Past the longest a refund waits to settle (a day): every pending refund settles.
SETTLE_ALL = 2 * 24 * 3600
UNITS = 1000
# The probe that finds when the sandbox's next settlement is due (a statement, or a
# subquery of the request's first read): a probe of the (sandbox, status, settles_at)
# index, which every request makes; the only read of the refund table these calls may make.
NEXT_DUE_PROBE = re.compile(r"SELECT min\(refund\.settles_at\)( AS \w+)? FROM refund WHERE [^)]*")
READS_REFUNDS = re.compile(r"\b(FROM|JOIN)\s+refund\b", re.IGNORECASE)


@dataclass(frozen=True)
class Platform:
    name: str
    order: dict[str, Any]
    # Refunds one unit of the order; the new refund's id.
    refund: Callable[[TestClient], str]
    # Reads that one refund back.
    read: Callable[[TestClient, str], httpx.Response]
    # Whether its refunds wait to settle (WooCommerce's are final at once).
    settles: bool = True


def _order(ref: str, item: str, **extra: Any) -> dict[str, Any]:
    items = [{"id": item, "sku": "GROW", "quantity": UNITS, "price": "1.00"}]
    return {"id": ref, "created_at": "2025-01-01T00:00:00Z", "items": items, **extra}


def _kakaclo_refund(client: TestClient) -> str:
    answer = client.post(
        "/openapi/v2/order/orders/7000001/refund",
        json={"orderItems": [{"itemId": "7000002", "quantity": 1}]},
        headers=KAKACLO_AUTH,
    ).json()
    assert answer["code"] == 10000, answer
    return str(answer["data"])


def _kakaclo_read(client: TestClient, refund: str) -> httpx.Response:
    return client.get(f"/openapi/v2/order/orders/refund/{refund}", headers=KAKACLO_AUTH)


SHOPLINE_ORDER, SHOPLINE_SLIP = "21057520029298437725457001", "23057520029306658561307001"


def _shopline_refund(client: TestClient) -> str:
    body = {
        "order_id": SHOPLINE_ORDER,
        "refund_line_items": [{"line_item_id": "7001", "quantity": 1, "type": "Unshipped"}],
        "transactions": [{"id": SHOPLINE_SLIP, "amount": "1.00", "gateway": "Paypal"}],
    }
    answer = client.post(f"{API}/order/refund.json", json=body, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["id"])


def _shopline_read(client: TestClient, refund: str) -> httpx.Response:
    return client.get(f"{API}/orders/{SHOPLINE_ORDER}/refunds/{refund}.json", headers=HEADERS)


def _woocommerce_refund(client: TestClient) -> str:
    line = {"7502": {"qty": 1, "refund_total": "1.00"}}
    body = {"order_refund": {"amount": "1.00", "line_items": line}}
    answer = client.post("/wc-api/v3/orders/7501/refunds", json=body, headers=basic())
    assert answer.status_code == 201, answer.text
    return str(answer.json()["order_refund"]["id"])


def _woocommerce_read(client: TestClient, refund: str) -> httpx.Response:
    return client.get(f"/wc-api/v3/orders/7501/refunds/{refund}", headers=basic())


PLATFORMS = {
    "kakaclo": Platform("kakaclo", _order("7000001", "7000002"), _kakaclo_refund, _kakaclo_read),
    "shopline": Platform(
        "shopline",
        _order(
            SHOPLINE_ORDER,
            "7001",
            payments=[{"id": SHOPLINE_SLIP, "gateway": "Paypal"}],
        ),
        _shopline_refund,
        _shopline_read,
    ),
    "woocommerce": Platform(
        "woocommerce",
        _order("7501", "7502"),
        _woocommerce_refund,
        _woocommerce_read,
        settles=False,
    ),
}


@dataclass
class Measured:
    create: list[str]
    settle: list[str]
    read: list[str]


class Statements:
    """The SQL statements an engine runs while `recording`."""

    def __init__(self, client: TestClient) -> None:
        self.seen: list[str] = []
        self._on = False
        event.listen(client.app.state.runtime.db.engine, "before_cursor_execute", self._note)  # type: ignore[attr-defined]

    def _note(self, *args: Any) -> None:
        if self._on:
            self.seen.append(" ".join(args[2].split()))

    def recording(self, call: Callable[[], object]) -> list[str]:
        self.seen, self._on = [], True
        try:
            call()
        finally:
            self._on = False
        return self.seen


def measure(platform: Platform, earlier: int) -> Measured:
    settings = make_settings(read_cache=False)
    with TestClient(create_app(settings), raise_server_exceptions=True) as client:
        added = client.post(
            "/__admin/orders", json={"platform": platform.name, "order": platform.order}
        )
        assert added.status_code == 201, added.text
        for _ in range(earlier):
            platform.refund(client)
        # The earlier refunds end as they would in a long-lived sandbox: settled.
        client.post("/__admin/clock/advance", json={"seconds": SETTLE_ALL})
        statements = Statements(client)
        refund: list[str] = []
        create = statements.recording(lambda: refund.append(platform.refund(client)))
        settled: list[int] = []
        settle = (
            statements.recording(
                lambda: settled.append(
                    client.post("/__admin/clock/advance", json={"seconds": SETTLE_ALL}).json()[
                        "settled"
                    ]
                )
            )
            if platform.settles
            else []
        )
        assert settled == ([1] if platform.settles else [])  # the new refund, alone
        read = statements.recording(lambda: _read_ok(platform, client, refund[0]))
        return Measured(create, settle, read)


def _read_ok(platform: Platform, client: TestClient, refund: str) -> None:
    answer = platform.read(client, refund)
    assert answer.status_code == 200, answer.text
    assert refund in answer.text


@pytest.fixture(scope="module", params=sorted(PLATFORMS))
def measured(request: pytest.FixtureRequest) -> tuple[Measured, Measured]:
    platform = PLATFORMS[request.param]
    return measure(platform, EARLIER[0]), measure(platform, EARLIER[1])


def test_a_create_runs_the_same_statements_after_1_and_300_refunds(
    measured: tuple[Measured, Measured],
) -> None:
    few, many = measured
    assert few.create
    assert many.create == few.create


def test_settling_runs_the_same_statements_after_1_and_300_refunds(
    measured: tuple[Measured, Measured],
) -> None:
    few, many = measured
    assert many.settle == few.settle


def test_reading_one_refund_runs_the_same_statements_after_1_and_300_refunds(
    measured: tuple[Measured, Measured],
) -> None:
    few, many = measured
    assert few.read
    assert many.read == few.read


def test_a_create_and_a_settle_read_no_earlier_refund(
    measured: tuple[Measured, Measured],
) -> None:
    _, many = measured
    for statement in [*many.create, *many.settle]:
        if statement.upper().startswith("SELECT"):
            assert not READS_REFUNDS.search(NEXT_DUE_PROBE.sub("", statement)), statement


def test_a_page_of_an_orders_refunds_is_read_by_index_not_by_sorting_them_all(
    runtime: Runtime,
) -> None:
    """Kakaclo's query pages an order's refunds newest first, with their count: the plan
    walks the (order, created_at, id) index for the page and takes the count from the
    order's running total, so a page costs the same after 1 refund or 10,000."""
    page = orders._COUNTED_PAGE.offset(20).limit(10).params(order_id=1)
    with runtime.db.read() as session:
        conn = session.connection()
        sql = page.compile(conn, compile_kwargs={"literal_binds": True})
        plan = " | ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "ix_refund_order_newest" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # no sort of every refund of the order
