from typing import Any

import pytest
from fastapi.testclient import TestClient

TOKEN = "kakaclo-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SEED_ITEMS = {
    "orderItems": [
        {"itemId": "120001", "skuCode": "FSZW08923_R_L_NUB", "quantity": 1},
        {"itemId": "120002", "skuCode": "FSZW08923_R_L_NUB", "quantity": 2},
    ]
}


class Kakaclo:
    """The default sandbox's Kakaclo API, as the seed's curl examples call it."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def refund(self, order_id: str, body: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", {**AUTH, "Content-Type": "application/json"})
        if body is not None:
            kwargs["json"] = body
        return self.client.post(f"/openapi/openapi/v2/order/orders/{order_id}/refund", **kwargs)

    def query(self, order_id: str, **params: Any) -> Any:
        return self.client.get(
            f"/openapi/v2/order/orders/refund/{order_id}", headers=AUTH, params=params
        )

    def orders(self, **params: Any) -> Any:
        return self.client.get("/openapi/v2/order/orders", headers=AUTH, params=params)

    def order(self, order_id: str) -> dict[str, Any]:
        body = self.orders(ids=order_id).json()
        assert body["data"]["total"] == 1
        result: dict[str, Any] = body["data"]["list"][0]
        return result

    def advance(self, seconds: float) -> Any:
        return self.client.post("/__admin/clock/advance", json={"seconds": seconds}).json()


@pytest.fixture
def kakaclo(client: TestClient) -> Kakaclo:
    return Kakaclo(client)
