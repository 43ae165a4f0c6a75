import json
from collections.abc import Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient

TOKEN = "shopline-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# The seed page's request headers: the content type is fixed to this exact value.
HEADERS = {**AUTH, "Content-Type": "application/json; charset=utf-8"}
API = "/admin/openapi/v20220901"

SEED_ORDER = "21057520029298437725452511"
SEED_SLIP = "23057520029306658561302511"
SEED_REFUND_ID = "2605755870074105241861"
SHIPPED_ORDER = "21057520029298437725452512"  # 701 shipped, 702 1 of 3 shipped, 703 not
EURO_ORDER = "21057520029298437725452513"  # presented in EUR at 0.92, settled in USD
EURO_SLIP = "23057520029306658561302513"
TWO_SLIPS_ORDER = "21057520029298437725452514"  # items 901 (4 units) and 902 (1), shipping 6.00
SLIP_A = "23057520029306658561302514"  # 30.00
SLIP_B = "23057520029306658561302515"  # 36.00
FAILING_ORDER = "21057520029298437725452515"  # refund_outcome: failed
FAILING_SLIP = "23057520029306658561302516"
CANCELLED_ORDER = "21057520029298437725452516"
UNPAID_ORDER = "21057520029298437725452517"
OTHER_STORE_ORDER = "21057520029298437725452601"

# The seed page's example request, every field as the page documents it.
SEED_BODY: dict[str, Any] = {
    "note": "Refund",
    "notify": True,
    "order_id": SEED_ORDER,
    "refund_line_items": [
        {
            "line_item_id": 601,
            "location_id": "5409714787218633772",
            "quantity": 1,
            "restock_type": "return",
            "type": "Shipped",
        }
    ],
    "shipping": {"amount": "1.23", "full_refund": True},
    "transactions": [
        {
            "amount": "2.34",
            "gateway": "Paypal",
            "id": SEED_SLIP,
            "kind": "refund",
            "type": True,
        }
    ],
}


def refund_body(
    order_id: str,
    lines: list[dict[str, Any]] | None = None,
    transactions: Sequence[tuple[str, str]] = (),
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": order_id,
        "transactions": [{"id": slip, "amount": amount} for slip, amount in transactions],
        **extra,
    }
    if lines is not None:
        body["refund_line_items"] = lines
    return body


def line(item: str, quantity: int = 1, kind: str = "Unshipped") -> dict[str, Any]:
    return {"line_item_id": item, "quantity": quantity, "type": kind}


class Shopline:
    """The default sandbox's SHOPLINE API, called as a client of the real one would."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def refund(self, body: Any, headers: dict[str, str] | None = None) -> Any:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.client.post(f"{API}/order/refund.json", content=raw, headers=headers or HEADERS)

    def calculate(self, order_id: str, body: Any) -> Any:
        return self.client.post(
            f"{API}/orders/{order_id}/refunds/calculate.json",
            content=json.dumps(body).encode(),
            headers=HEADERS,
        )

    def refunds(self, order_id: str, **params: Any) -> Any:
        return self.client.get(f"{API}/orders/{order_id}/refunds.json", headers=AUTH, params=params)

    def get_refund(self, order_id: str, refund_id: str) -> Any:
        return self.client.get(f"{API}/orders/{order_id}/refunds/{refund_id}.json", headers=AUTH)

    def orders(self, headers: dict[str, str] | None = None, **params: Any) -> Any:
        return self.client.get(f"{API}/orders.json", headers=headers or AUTH, params=params)

    def order(self, order_id: str) -> dict[str, Any]:
        orders = self.orders(ids=order_id, status="any").json()["orders"]
        assert len(orders) == 1
        result: dict[str, Any] = orders[0]
        return result

    def everything(self) -> Any:
        """Every order of the store with its refunds: to prove that nothing changed."""
        return self.orders(status="any", limit=100).json()

    def advance(self, seconds: float) -> Any:
        return self.client.post("/__admin/clock/advance", json={"seconds": seconds}).json()


@pytest.fixture
def shopline(client: TestClient) -> Shopline:
    return Shopline(client)


def assert_error(response: Any, status: int, message: str | None = None) -> str:
    """SHOPLINE's error: the status, `{"errors": "..."}` and a traceId header."""
    assert response.status_code == status, response.text
    assert response.headers["traceId"]
    body = response.json()
    assert set(body) == {"errors"}
    assert isinstance(body["errors"], str)
    assert body["errors"]
    if message is not None:
        assert body["errors"] == message
    text: str = body["errors"]
    return text
