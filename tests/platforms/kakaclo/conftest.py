import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mockrefund.app import create_app
from tests.conftest import DEFAULT_FIXTURES, make_settings

TOKEN = "kakaclo-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SEED_ITEMS = {
    "orderItems": [
        {"itemId": "120001", "skuCode": "FSZW08923_R_L_NUB", "quantity": 1},
        {"itemId": "120002", "skuCode": "FSZW08923_R_L_NUB", "quantity": 2},
    ]
}

ADDRESS = {
    "country": "US",
    "phone": "408-555-0101",
    "recipient": "Ada Lovelace",
    "province": "CA",
    "street1": "1 Market St",
    "street2": "Suite 2",
    "city": "San Jose",
    "zip": "95112",
}
# A create-order body: the seed's SKU, twice, and a second SKU of the catalogue.
NEW_ORDER = {
    "orderAddresses": ADDRESS,
    "orderItemsList": [
        {"sku": "FSZW08923_R_L_NUB", "quantity": 2},
        {"sku": "FSAC00077_GLD_OS_NUB", "quantity": 3},
    ],
    "remark": "leave at the door",
    "salePlatform": "Shopify",
    "customOrderId": "MY-0001",
    "channelType": "Express",
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

    def refunds(self, path: str = "/openapi/v2/order/refund", **params: Any) -> Any:
        """Query ReFund in the docs' latest form: `refundNo` and `ids` in the query."""
        return self.client.get(path, headers=AUTH, params=params)

    def create_order(self, body: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", {**AUTH, "Content-Type": "application/json"})
        kwargs["json"] = NEW_ORDER if body is None else body
        return self.client.post("/openapi/v2/order/orders", **kwargs)

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


SECOND_AUTH = {"Authorization": "Bearer kakaclo-second-token"}
# A second Kakaclo store, beside the default one: an order with a refund, a catalogue of
# its own, and no sequences set (they start at their defaults).
SECOND_STORE = {
    "platform": "kakaclo",
    "handle": "kakaclo-second",
    "credentials": [{"key": "kakaclo-second-token"}],
    "catalogue": [{"sku": "SECOND-ONLY", "name": "Second Store Mug", "price": "7.0000"}],
    "orders": [
        {
            "id": "2000000000001",
            "created_at": "2024-05-05T10:00:00Z",
            "items": [{"id": "1", "sku": "SECOND-ONLY", "quantity": 1, "price": "7.0000"}],
            "refunds": [
                {"id": "20000", "created_at": "2024-05-06T10:00:00Z", "amount": "7.0000",
                 "reason": "Out Of Stock", "lines": [{"item": "1", "quantity": 1, "amount": "7.0000"}]}
            ],
        }
    ],
}  # fmt: skip


@pytest.fixture
def two_stores(tmp_path: Path) -> Iterator[TestClient]:
    """An app whose Kakaclo side has the default store and `SECOND_STORE`."""
    folder = tmp_path / "fixtures"
    folder.mkdir()
    shutil.copy(DEFAULT_FIXTURES / "kakaclo.json", folder)
    (folder / "second.json").write_text(json.dumps({"stores": [SECOND_STORE]}))
    app = create_app(make_settings(fixtures=folder))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
