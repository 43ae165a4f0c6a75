"""Orders and outcomes under the tester's control."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.platforms.kakaclo.conftest import AUTH, SEED_ITEMS
from tests.platforms.woocommerce.conftest import basic

QUERY = "/openapi/v2/order/orders/refund/{}"
REFUND = "/openapi/v2/order/orders/{}/refund"
SHOPLINE = {"Authorization": "Bearer shopline-test-token"}


def kakaclo_status(client: TestClient, order: str = "10001") -> list[str]:
    body = client.get(QUERY.format(order), headers=AUTH).json()["data"]
    return [entry["refundStatus"] for entry in body["list"]]


def test_add_an_order_in_the_fixture_format(client: TestClient) -> None:
    order = {
        "id": "555", "created_at": "2025-03-01T00:00:00Z",
        "items": [{"id": "5551", "sku": "S", "quantity": 2, "price": "4.50"}],
    }  # fmt: skip
    added = client.post("/__admin/orders", json={"platform": "kakaclo", "order": order})
    assert added.status_code == 201
    assert added.json() == {"platform": "kakaclo", "store": "kakaclo-demo", "order_id": "555"}
    assert client.post(REFUND.format("555"), json={}, headers=AUTH).json()["code"] == 10000
    again = client.post("/__admin/orders", json={"platform": "kakaclo", "order": order})
    assert again.status_code == 409
    bad = client.post(
        "/__admin/orders",
        json={"platform": "kakaclo", "order": {**order, "id": "556", "status": "open"}},
    )
    assert bad.status_code == 400


def test_ship_some_items_then_the_rest(client: TestClient) -> None:
    partly = client.post("/__admin/orders/kakaclo/10001/ship", json={"items": {"120001": 1}})
    assert partly.json()["items"]["120001"] == {"quantity": 2, "shipped": 1}
    refused = client.post(REFUND.format("10001"), json={}, headers=AUTH).json()
    assert refused["code"] == 50002  # partially shipped
    client.post("/__admin/orders/kakaclo/10001/ship")
    assert client.post(REFUND.format("10001"), json={}, headers=AUTH).json()["code"] == 50001
    too_many = client.post("/__admin/orders/kakaclo/10001/ship", json={"items": {"120001": 1}})
    assert too_many.status_code == 400
    assert "cannot ship" in too_many.json()["error"]


def test_cancel_and_pay(client: TestClient) -> None:
    assert client.post("/__admin/orders/kakaclo/1000000463307/pay").json()["paid"] is True
    assert (
        client.post(REFUND.format("1000000463307"), json={}, headers=AUTH).json()["code"] == 10000
    )
    client.post("/__admin/orders/kakaclo/1000000463303/cancel")
    assert (
        client.post(REFUND.format("1000000463303"), json={}, headers=AUTH).json()["code"] == 50003
    )
    woo = client.post("/__admin/orders/woocommerce/700/cancel").json()
    assert woo["status"] == "cancelled"
    assert (
        client.get("/wc-api/v3/orders/700", headers=basic()).json()["order"]["status"]
        == "cancelled"
    )


def test_unknown_orders_and_stores(client: TestClient) -> None:
    assert client.post("/__admin/orders/kakaclo/nope/cancel").status_code == 404
    assert (
        client.post("/__admin/orders/kakaclo/10001/cancel", params={"store": "x"}).status_code
        == 404
    )
    assert client.post("/__admin/orders/shopify/1/cancel").status_code == 400


def test_set_a_gateway_to_fail_or_refund(client: TestClient) -> None:
    client.post("/__admin/orders/woocommerce/645/gateway", json={"behaviour": "fail"})
    failed = client.post(
        "/wc-api/v3/orders/645/refunds", json={"order_refund": {"amount": 1}}, headers=basic()
    )
    assert failed.status_code == 500
    client.post("/__admin/orders/woocommerce/645/gateway", json={"behaviour": "refund"})
    ok = client.post(
        "/wc-api/v3/orders/645/refunds", json={"order_refund": {"amount": 1}}, headers=basic()
    )
    assert ok.status_code == 201


def test_force_the_next_refund_to_fail_at_once(client: TestClient) -> None:
    forced = client.post("/__admin/outcomes", json={"outcome": "failed", "after_seconds": 0})
    assert forced.status_code == 201
    client.post(REFUND.format("10001"), json=SEED_ITEMS, headers=AUTH)
    assert kakaclo_status(client) == ["refund_failed"]
    assert client.get("/__admin/outcomes").json() == {"outcomes": []}  # used up
    client.post(REFUND.format("10001"), json=SEED_ITEMS, headers=AUTH)
    assert kakaclo_status(client) == ["pending_review", "refund_failed"]


def test_force_after_seconds_of_the_mock_clock(client: TestClient) -> None:
    client.post("/__admin/outcomes", json={"outcome": "failed", "after_seconds": 120})
    client.post(REFUND.format("10001"), json=SEED_ITEMS, headers=AUTH)
    client.post("/__admin/clock/advance", json={"seconds": 119})
    assert kakaclo_status(client) == ["pending_review"]
    client.post("/__admin/clock/advance", json={"seconds": 1})
    assert kakaclo_status(client) == ["refund_failed"]


def test_force_after_n_status_reads(client: TestClient) -> None:
    client.post("/__admin/outcomes", json={"outcome": "succeeded", "after_reads": 2})
    client.post(REFUND.format("10001"), json=SEED_ITEMS, headers=AUTH)
    reads = [kakaclo_status(client)[0] for _ in range(4)]
    assert reads == [
        "pending_review",
        "pending_review",
        "refund_successfully",
        "refund_successfully",
    ]
    # The clock does not settle it: only reads do.


def test_reads_not_time_settle_a_read_forced_refund(client: TestClient) -> None:
    client.post("/__admin/outcomes", json={"outcome": "failed", "after_reads": 1})
    client.post(REFUND.format("10001"), json=SEED_ITEMS, headers=AUTH)
    client.post("/__admin/clock/advance", json={"seconds": 86400 * 3})
    assert kakaclo_status(client) == ["pending_review"]
    assert kakaclo_status(client) == ["refund_failed"]


def test_most_specific_forced_outcome_wins(client: TestClient) -> None:
    client.post("/__admin/outcomes", json={"outcome": "succeeded", "after_seconds": 0, "count": 5})
    client.post(
        "/__admin/outcomes",
        json={
            "outcome": "failed",
            "after_seconds": 0,
            "platform": "kakaclo",
            "order": "1000000463309",
        },
    )
    client.post(REFUND.format("10001"), json=SEED_ITEMS, headers=AUTH)
    client.post(REFUND.format("1000000463309"), json={}, headers=AUTH)
    assert kakaclo_status(client) == ["refund_successfully"]
    assert kakaclo_status(client, "1000000463309") == ["refund_failed"]
    remaining = client.get("/__admin/outcomes").json()["outcomes"]
    assert [(o["outcome"], o["remaining"]) for o in remaining] == [("succeeded", 4)]
    client.delete("/__admin/outcomes")
    assert client.get("/__admin/outcomes").json() == {"outcomes": []}


def test_a_refused_refund_does_not_use_up_a_forced_outcome(client: TestClient) -> None:
    client.post("/__admin/outcomes", json={"outcome": "failed"})
    client.post(REFUND.format("1000000463305"), json={}, headers=AUTH)  # shipped: refused
    assert len(client.get("/__admin/outcomes").json()["outcomes"]) == 1


def test_forced_failure_of_a_synchronous_woocommerce_refund_is_a_gateway_error(
    client: TestClient,
) -> None:
    client.post("/__admin/outcomes", json={"outcome": "failed", "platform": "woocommerce"})
    failed = client.post(
        "/wc-api/v3/orders/645/refunds", json={"order_refund": {"amount": 1}}, headers=basic()
    )
    assert failed.status_code == 500
    assert failed.json()["errors"][0]["code"] == "woocommerce_api_create_order_refund_api_failed"
    assert client.get("/__admin/outcomes").json() == {"outcomes": []}
    ok = client.post(
        "/wc-api/v3/orders/645/refunds", json={"order_refund": {"amount": 1}}, headers=basic()
    )
    assert ok.json()["order_refund"]["id"] == 649


def test_shopline_reads_count_too(client: TestClient) -> None:
    client.post(
        "/__admin/outcomes", json={"outcome": "succeeded", "platform": "shopline", "after_reads": 1}
    )
    body = {
        "order_id": "21057520029298437725452511",
        "refund_line_items": [{"line_item_id": 601, "quantity": 1, "type": "Unshipped"}],
        "transactions": [
            {
                "id": "23057520029306658561302511",
                "amount": "1.00",
                "kind": "refund",
                "gateway": "Paypal",
            }
        ],
    }
    created = client.post("/admin/openapi/v20220901/order/refund.json", json=body, headers=SHOPLINE)
    assert created.status_code == 200, created.text
    path = "/admin/openapi/v20220901/orders/21057520029298437725452511/refunds.json"

    def status() -> Any:
        return client.get(path, headers=SHOPLINE).json()["refunds"][-1]["transactions"][0]["status"]

    assert [status(), status()] == ["pending", "success"]


@pytest.mark.parametrize(
    "body",
    [{"outcome": "maybe"}, {"outcome": "failed", "order": "1"},
     {"outcome": "failed", "after_seconds": 1, "after_reads": 1}],
)  # fmt: skip
def test_bad_outcomes_are_refused(client: TestClient, body: dict[str, Any]) -> None:
    assert client.post("/__admin/outcomes", json=body).status_code == 400


def test_paying_moves_only_an_unpaid_woocommerce_status(client: TestClient) -> None:
    order = {
        "id": 900, "status": "pending", "paid": False, "created_at": "2025-01-01T00:00:00Z",
        "items": [{"id": 901, "quantity": 1, "price": "3.00"}],
    }  # fmt: skip
    client.post("/__admin/orders", json={"platform": "woocommerce", "order": order})
    assert client.post("/__admin/orders/woocommerce/900/pay").json()["status"] == "processing"
    assert client.post("/__admin/orders/woocommerce/702/pay").json()["status"] == "on-hold"
