"""GET orders/{id}/refunds.json and GET orders/{id}/refunds/{refund_id}.json."""

import re

import pytest

from tests.platforms.shopline.conftest import (
    API,
    OTHER_STORE_ORDER,
    SEED_BODY,
    SEED_ORDER,
    SEED_REFUND_ID,
    SEED_SLIP,
    SHIPPED_ORDER,
    Shopline,
    assert_error,
)

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"


def test_a_refund_as_the_queries_show_it(shopline: Shopline) -> None:
    shopline.refund(SEED_BODY)
    response = shopline.get_refund(SEED_ORDER, SEED_REFUND_ID)
    assert response.status_code == 200
    assert response.headers["traceId"]
    refund = response.json()["refund"]
    assert set(refund) == {
        "id", "order_id", "note", "user_id", "created_at", "processed_at",
        "order_adjustments", "refund_line_items", "total_duties_set", "transactions",
    }  # fmt: skip
    assert re.fullmatch(ISO, refund["created_at"])
    assert re.fullmatch(ISO, refund["processed_at"])
    item = refund["refund_line_items"][0]
    assert (item["line_item_id"], item["quantity"], item["subtotal"]) == (601, 1, "15.00")
    nested = item["line_item"]
    assert (nested["id"], nested["sku"], nested["price"], nested["quantity"]) == (
        601,
        "SL-TEE-001-M",
        "15.00",
        2,
    )
    assert nested["product_id"] == "16056624622934068467310000"
    assert nested["fulfillable_quantity"] == 1  # one of two refunded before shipping
    (tx,) = refund["transactions"]
    assert re.fullmatch(r"\d{22}", tx["id"])
    assert (tx["parent_id"], tx["amount"], tx["kind"], tx["status"]) == (
        SEED_SLIP,
        "2.34",
        "refund",
        "pending",
    )
    assert (tx["gateway"], tx["currency"], tx["order_id"]) == ("Paypal", "USD", SEED_ORDER)
    assert re.fullmatch(ISO, tx["created_at"])


def test_refunds_are_listed_oldest_first_up_to_the_limit(shopline: Shopline) -> None:
    ids = [shopline.refund(SEED_BODY).json()["data"]["id"] for _ in range(2)]
    assert [r["id"] for r in shopline.refunds(SEED_ORDER).json()["refunds"]] == ids
    assert [r["id"] for r in shopline.refunds(SEED_ORDER, limit=1).json()["refunds"]] == ids[:1]
    assert [r["id"] for r in shopline.refunds(SEED_ORDER, limit=250).json()["refunds"]] == ids


def test_an_order_without_refunds_lists_none(shopline: Shopline) -> None:
    response = shopline.refunds(SHIPPED_ORDER)
    assert (response.status_code, response.json()) == (200, {"refunds": []})


@pytest.mark.parametrize("limit", ["0", "251", "abc", "-1"])
def test_a_limit_out_of_range_is_refused(shopline: Shopline, limit: str) -> None:
    assert_error(shopline.refunds(SEED_ORDER, limit=limit), 400)


def test_unknown_orders_and_refunds_are_404(shopline: Shopline) -> None:
    shopline.refund(SEED_BODY)
    assert_error(shopline.refunds("999"), 404, "order not found")
    assert_error(shopline.get_refund("999", SEED_REFUND_ID), 404, "order not found")
    assert_error(shopline.get_refund(SEED_ORDER, "2605755870074999999999"), 404)
    # A refund exists, but of another order.
    assert_error(shopline.get_refund(SHIPPED_ORDER, SEED_REFUND_ID), 404, "refund not found")


def test_another_stores_orders_are_invisible(shopline: Shopline) -> None:
    assert_error(shopline.refunds(OTHER_STORE_ORDER), 404)
    other = {"Authorization": "Bearer shopline-second-token"}
    response = shopline.client.get(f"{API}/orders/{OTHER_STORE_ORDER}/refunds.json", headers=other)
    assert response.status_code == 200
    response = shopline.client.get(f"{API}/orders/{SEED_ORDER}/refunds.json", headers=other)
    assert_error(response, 404)
