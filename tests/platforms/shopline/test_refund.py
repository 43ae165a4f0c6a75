"""POST order/refund.json — the seed page's example, the lifecycle, and every rule."""

import re
from typing import Any

import pytest

from tests.platforms.shopline.conftest import (
    AUTH,
    EURO_ORDER,
    EURO_SLIP,
    FAILING_ORDER,
    FAILING_SLIP,
    SEED_BODY,
    SEED_ORDER,
    SEED_REFUND_ID,
    SEED_SLIP,
    SHIPPED_ORDER,
    SLIP_A,
    SLIP_B,
    TWO_SLIPS_ORDER,
    UNPAID_ORDER,
    Shopline,
    assert_error,
    line,
    refund_body,
)

MONEY_SET_KEYS = {"presentment_money", "shop_money"}


def money_set(presentment: str, shop: str, currency: str = "USD", shop_currency: str = "USD"):
    return {
        "presentment_money": {"amount": presentment, "currency_code": currency},
        "shop_money": {"amount": shop, "currency_code": shop_currency},
    }


def test_the_seed_example_answers_the_documented_shape(shopline: Shopline) -> None:
    response = shopline.refund(SEED_BODY)
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["traceId"])
    assert response.headers["content-type"] == "application/json"
    data = response.json()["data"]
    assert set(data) == {
        "create_at", "id", "note", "order_adjustments", "order_id", "refund_line_items",
        "total_duties_set", "transactions",
    }  # fmt: skip
    assert data["id"] == SEED_REFUND_ID
    assert re.fullmatch(r"\d{13}", data["create_at"])
    assert (data["note"], data["order_id"]) == ("Refund", SEED_ORDER)
    assert data["refund_line_items"] == [
        {
            "id": 180575587000000001,
            "line_item_id": 601,
            "location_id": "5409714787218633772",
            "quantity": 1,
            "restock_type": "return",
            "subtotal": "15.00",
            "subtotal_set": money_set("15.00", "15.00"),
            "total_tax": "1.20",
            "total_tax_set": money_set("1.20", "1.20"),
        }
    ]
    shipping, discrepancy = data["order_adjustments"]
    assert (shipping["kind"], shipping["amount"], shipping["amount_set"]) == (
        "shipping_refund",
        "1.23",
        money_set("1.23", "1.23"),
    )
    # 2.34 sent back against 15.00 + 1.20 tax + 1.23 shipping.
    assert (discrepancy["kind"], discrepancy["amount"]) == ("refund_discrepancy", "-15.09")
    for adjustment in data["order_adjustments"]:
        assert adjustment["refund_id"] == SEED_REFUND_ID
        assert adjustment["order_id"] == SEED_ORDER
        assert adjustment["id"].isdigit()
        assert (adjustment["tax_amount"], set(adjustment["tax_amount_set"])) == (
            "0.00",
            MONEY_SET_KEYS,
        )
    assert data["total_duties_set"] == money_set("0.00", "0.00")
    assert data["transactions"] == [
        {
            "amount": "2.34",
            "create_at": data["create_at"],
            "currency": "USD",
            "id": SEED_SLIP,
            "kind": "refund",
            "order_id": SEED_ORDER,
            "processed_at": data["create_at"],
            "status": "pending",
        }
    ]


def test_the_seed_refund_shows_in_the_queries_and_the_order(shopline: Shopline) -> None:
    assert shopline.order(SEED_ORDER)["financial_status"] == "paid"
    shopline.refund(SEED_BODY)
    listed = shopline.refunds(SEED_ORDER).json()["refunds"]
    assert [r["id"] for r in listed] == [SEED_REFUND_ID]
    got = shopline.get_refund(SEED_ORDER, SEED_REFUND_ID).json()["refund"]
    assert got == listed[0]
    order = shopline.order(SEED_ORDER)
    assert order["financial_status"] == "partially_refunded"
    assert [r["id"] for r in order["refunds"]] == [SEED_REFUND_ID]
    assert order["current_total_price"] == "35.06"  # 37.40 - 2.34


def test_ids_follow_the_stores_sequences(shopline: Shopline) -> None:
    first = shopline.refund(SEED_BODY).json()["data"]
    second = shopline.refund(SEED_BODY).json()["data"]
    assert (first["id"], second["id"]) == (SEED_REFUND_ID, "2605755870074105241862")
    assert second["refund_line_items"][0]["id"] == 180575587000000002


def test_transactions_settle_to_success_on_the_mock_clock(shopline: Shopline) -> None:
    shopline.refund(SEED_BODY)
    shopline.advance(3600 * 24)
    refund = shopline.get_refund(SEED_ORDER, SEED_REFUND_ID).json()["refund"]
    assert [tx["status"] for tx in refund["transactions"]] == ["success"]
    assert refund["transactions"][0]["processed_at"] > refund["created_at"]
    assert shopline.order(SEED_ORDER)["financial_status"] == "partially_refunded"


@pytest.mark.parametrize(
    ("body", "order_id"),
    [
        ({**SEED_BODY, "note": "please mockrefund:fail"}, SEED_ORDER),
        (refund_body(FAILING_ORDER, [line("1101")], [(FAILING_SLIP, "25.00")]), FAILING_ORDER),
    ],
    ids=["magic-words-in-note", "order-fixture-flag"],
)
def test_a_forced_failure_settles_to_failure(
    shopline: Shopline, body: dict[str, Any], order_id: str
) -> None:
    created = shopline.refund(body).json()["data"]
    assert created["transactions"][0]["status"] == "pending"
    assert shopline.order(order_id)["financial_status"] != "paid"
    shopline.advance(3600 * 24)
    refund = shopline.get_refund(order_id, created["id"]).json()["refund"]
    assert [tx["status"] for tx in refund["transactions"]] == ["failure"]
    # A failed refund gives everything back: money, units, the order's state.
    assert shopline.order(order_id)["financial_status"] == "paid"


def test_instant_magic_word_settles_in_the_response(shopline: Shopline) -> None:
    data = shopline.refund({**SEED_BODY, "note": "mockrefund:instant"}).json()["data"]
    assert data["transactions"][0]["status"] == "success"


def test_money_comes_from_the_transactions_across_two_slips(shopline: Shopline) -> None:
    body = refund_body(
        TWO_SLIPS_ORDER,
        [line("901", 4), line("902")],
        [(SLIP_A, "30.00"), (SLIP_B, "36.00")],
        shipping={"full_refund": True},
    )
    data = shopline.refund(body).json()["data"]
    assert [(tx["id"], tx["amount"]) for tx in data["transactions"]] == [
        (SLIP_A, "30.00"),
        (SLIP_B, "36.00"),
    ]
    # full_refund without an amount: all the shipping that is left; no discrepancy.
    assert [(a["kind"], a["amount"]) for a in data["order_adjustments"]] == [
        ("shipping_refund", "6.00")
    ]
    order = shopline.order(TWO_SLIPS_ORDER)
    assert order["financial_status"] == "refunded"
    assert order["current_total_price"] == "0.00"
    assert [i["fulfillable_quantity"] for i in order["line_items"]] == [0, 0]


def test_an_order_in_another_currency_answers_both_currencies(shopline: Shopline) -> None:
    body = refund_body(EURO_ORDER, [line("801")], [(EURO_SLIP, "54.00")], currency="USD")
    response = shopline.refund(body)
    assert response.status_code == 200
    data = response.json()["data"]
    item = data["refund_line_items"][0]
    assert item["subtotal_set"] == money_set("46.00", "50.00", currency="EUR")
    assert item["total_tax_set"] == money_set("3.68", "4.00", currency="EUR")
    assert data["transactions"][0]["currency"] == "USD"
    order = shopline.order(EURO_ORDER)
    assert (order["currency"], order["presentment_currency"]) == ("USD", "EUR")
    assert order["total_price_set"] == money_set("108.56", "118.00", currency="EUR")


def test_unshipped_and_returned_units_of_a_partly_shipped_line(shopline: Shopline) -> None:
    returned = refund_body(SHIPPED_ORDER, [line("702", 1, "Returned")], [])
    unshipped = refund_body(SHIPPED_ORDER, [line("702", 2, "Unshipped")], [])
    assert shopline.refund(returned).status_code == 200
    assert shopline.refund(unshipped).status_code == 200
    items = {i["id"]: i for i in shopline.order(SHIPPED_ORDER)["line_items"]}
    assert (items[702]["fulfillable_quantity"], items[702]["fulfillment_status"]) == (0, "partial")
    assert shopline.refund(returned).status_code == 422  # nothing left


def test_type_is_case_insensitive(shopline: Shopline) -> None:
    body = refund_body(SHIPPED_ORDER, [line("701", 1, "returned")], [])
    assert shopline.refund(body).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            refund_body(SEED_ORDER, [line("999")], [(SEED_SLIP, "1.00")]),
            422,
            "line item 999 does not belong to this order",
        ),
        (
            refund_body(SEED_ORDER, [line("601", 3)], [(SEED_SLIP, "1.00")]),
            422,
            "refund quantity of line item 601 exceeds the refundable quantity 2",
        ),
        (
            refund_body(SEED_ORDER, [line("601", 0)], [(SEED_SLIP, "1.00")]),
            422,
            "refund quantity of line item 601 must be greater than 0",
        ),
        (
            refund_body(SHIPPED_ORDER, [line("701", 1, "Unshipped")], []),
            422,
            "line item 701 has been shipped, type must be Returned",
        ),
        (
            refund_body(SHIPPED_ORDER, [line("703", 1, "Returned")], []),
            422,
            "line item 703 has not been shipped, type must be Unshipped",
        ),
        (
            refund_body(SHIPPED_ORDER, [line("702", 2, "Returned")], []),
            422,
            "line item 702 has not been shipped, type must be Unshipped",
        ),
        (
            refund_body(SEED_ORDER, [], [(SLIP_A, "1.00")]),
            422,
            f"payment slip {SLIP_A} does not belong to this order",
        ),
        (
            refund_body(TWO_SLIPS_ORDER, [], [(SLIP_A, "20.00"), (SLIP_A, "10.01")]),
            422,
            f"refund amount exceeds the refundable amount 30.00 of payment {SLIP_A}",
        ),
        (
            refund_body(SEED_ORDER, [], [], shipping={"amount": "5.01"}),
            422,
            "shipping refund amount exceeds the refundable shipping 5.00",
        ),
        (
            refund_body(SEED_ORDER, [], [(SEED_SLIP, "-1.00")]),
            422,
            None,
        ),
        (
            refund_body(EURO_ORDER, [line("801")], [(EURO_SLIP, "1.00")]),
            422,
            "currency must be USD",
        ),
        (
            refund_body(EURO_ORDER, [line("801")], [(EURO_SLIP, "1.00")], currency="EUR"),
            422,
            "currency must be USD",
        ),
        (
            refund_body(SEED_ORDER, [], [(SEED_SLIP, "1.00")], currency="EUR"),
            422,
            "currency must be USD",
        ),
        (
            {
                **refund_body(EURO_ORDER, [line("801")], [], currency="USD"),
                "transactions": [{"id": EURO_SLIP, "amount": "1.00", "currency": "EUR"}],
            },
            422,
            "the input currency must be the settlement currency of the payment: USD",
        ),
        (
            refund_body(UNPAID_ORDER, [line("1301")], []),
            422,
            "the order has not been paid",
        ),
        (
            refund_body("21057520029298437725459999", [line("601")], []),
            404,
            "order not found",
        ),
    ],
)
def test_a_refused_refund_changes_nothing(
    shopline: Shopline, body: dict[str, Any], status: int, message: str | None
) -> None:
    before = shopline.everything()
    assert_error(shopline.refund(body), status, message)
    assert shopline.everything() == before
    # The refund id was not used up either.
    assert shopline.refund(SEED_BODY).json()["data"]["id"] == SEED_REFUND_ID


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        (b"{not json", "application/json; charset=utf-8", 400),
        (b"", "application/json; charset=utf-8", 400),
        (b"[]", "application/json; charset=utf-8", 400),
        (b'{"order_id": "1"}', "application/json; charset=utf-8", 400),  # no transactions
        (b"order_id=1", "application/x-www-form-urlencoded", 400),
        (b'{"order_id": "1", "transactions": []}', "text/plain", 400),
        (b"x" * (1024 * 1024 + 1), "application/json; charset=utf-8", 413),
    ],
)
def test_malformed_requests(shopline: Shopline, raw: bytes, content_type: str, status: int) -> None:
    response = shopline.refund(raw, headers={**AUTH, "Content-Type": content_type})
    assert_error(response, status)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"refund_line_items": [{**SEED_BODY["refund_line_items"][0], "quantity": "x"}]},
         "refund_line_items[0].quantity"),
        ({"refund_line_items": [{**SEED_BODY["refund_line_items"][0], "quantity": True}]},
         "refund_line_items[0].quantity"),
        ({"refund_line_items": [{**SEED_BODY["refund_line_items"][0], "type": "Lost"}]},
         "refund_line_items[0].type"),
        ({"refund_line_items": [{"line_item_id": 601, "quantity": 1}]},
         "refund_line_items[0].type"),
        ({"transactions": [{"id": SEED_SLIP, "amount": "1.234"}]}, "transactions[0].amount"),
        ({"transactions": [{"id": SEED_SLIP, "amount": "abc"}]}, "transactions[0].amount"),
        ({"transactions": [{"amount": "1.00"}]}, "transactions[0].id"),
    ],
)  # fmt: skip
def test_wrong_field_types_are_400_naming_the_field(
    shopline: Shopline, change: dict[str, Any], where: str
) -> None:
    message = assert_error(shopline.refund({**SEED_BODY, **change}), 400)
    assert message.startswith(where + ":")
