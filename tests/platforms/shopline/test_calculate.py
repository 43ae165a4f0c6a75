"""POST orders/{id}/refunds/calculate.json — the refund trial, which stores nothing."""

from tests.platforms.shopline.conftest import (
    EURO_ORDER,
    SEED_BODY,
    SEED_ORDER,
    SEED_REFUND_ID,
    SHIPPED_ORDER,
    SLIP_A,
    SLIP_B,
    TWO_SLIPS_ORDER,
    Shopline,
    assert_error,
)


def test_the_trial_suggests_a_refund_across_the_slips(shopline: Shopline) -> None:
    body = {
        "refund_line_items": [{"line_item_id": "901", "quantity": 4, "type": "Unshipped"}],
        "shipping": {"full_refund": True},
    }
    response = shopline.calculate(TWO_SLIPS_ORDER, body)
    assert response.status_code == 200
    assert response.headers["traceId"]
    refund = response.json()["refund"]
    assert set(refund) == {
        "currency", "refund_line_items", "shipping", "total_duties_set", "transactons",
    }  # fmt: skip
    assert refund["currency"] == "USD"
    assert refund["refund_line_items"] == [
        {
            "discount_total_amount": "0.00",
            "line_item_id": "901",
            "price": "10.00",
            "quantity": 4,
            "subtotal": "40.00",
            "total_tax": "0.00",
            "type": "Unshipped",
        }
    ]
    assert refund["shipping"] == {"amount": "6.00", "maximum_refundable": "6.00", "tax": "0.00"}
    # 46.00 suggested: the first slip's 30.00, then 16.00 of the second's 36.00.
    assert [
        (t["parent_id"], t["amount"], t["maximum_refundable"], t["kind"])
        for t in refund["transactons"]
    ] == [
        (SLIP_A, "30.00", "30.00", "suggested_refund"),
        (SLIP_B, "16.00", "36.00", "suggested_refund"),
    ]
    assert all(t["order_id"] == TWO_SLIPS_ORDER for t in refund["transactons"])


def test_the_trial_stores_nothing(shopline: Shopline) -> None:
    before = shopline.everything()
    body = {"refund_line_items": [{"line_item_id": "601", "quantity": 2}]}
    assert shopline.calculate(SEED_ORDER, body).status_code == 200
    assert shopline.everything() == before
    assert shopline.refund(SEED_BODY).json()["data"]["id"] == SEED_REFUND_ID


def test_the_trial_sees_earlier_refunds(shopline: Shopline) -> None:
    shopline.refund(SEED_BODY)  # 1 unit, 1.23 shipping, 2.34 from the slip
    refund = shopline.calculate(SEED_ORDER, {"shipping": {"amount": "1.00"}}).json()["refund"]
    assert refund["shipping"] == {"amount": "1.00", "maximum_refundable": "3.77", "tax": "0.00"}
    assert refund["transactons"][0]["maximum_refundable"] == "35.06"
    body = {"refund_line_items": [{"line_item_id": "601", "quantity": 2}]}
    assert_error(
        shopline.calculate(SEED_ORDER, body),
        422,
        "refund quantity of line item 601 exceeds the refundable quantity 1",
    )


def test_the_trial_checks_the_rules(shopline: Shopline) -> None:
    body = {"refund_line_items": [{"line_item_id": "701", "quantity": 1, "type": "Unshipped"}]}
    assert_error(
        shopline.calculate(SHIPPED_ORDER, body),
        422,
        "line item 701 has been shipped, type must be Returned",
    )
    assert_error(shopline.calculate(EURO_ORDER, {}), 422, "currency must be USD")
    assert shopline.calculate(EURO_ORDER, {"currency": "USD"}).status_code == 200
    assert_error(shopline.calculate("999", {}), 404)
    assert_error(shopline.calculate(SEED_ORDER, {"shipping": {"amount": "9.99"}}), 422)
