"""Order refunds, full CRUD, as the seed documents them and as WooCommerce checks them."""

from decimal import Decimal

import pytest

from tests.platforms.woocommerce.conftest import Woo, basic, error_of

SEED_647 = {
    "id": 647,
    "created_at": "2015-01-26T19:19:06Z",
    "amount": "21.99",
    "reason": "",
    "line_items": [
        {
            "id": 514,
            "subtotal": "-21.99",
            "subtotal_tax": "0.00",
            "total": "-21.99",
            "total_tax": "0.00",
            "price": "-21.99",
            "quantity": 1,
            "tax_class": "reduced-rate",
            "name": "Premium Quality",
            "product_id": 546,
            "sku": "",
            "meta": [],
            "refunded_item_id": 504,
        },
        {
            "id": 515,
            "subtotal": "0.00",
            "subtotal_tax": "0.00",
            "total": "0.00",
            "total_tax": "0.00",
            "price": "0.00",
            "quantity": 0,
            "tax_class": None,
            "name": "Ship Your Idea",
            "product_id": 613,
            "sku": "",
            "meta": [],
            "refunded_item_id": 505,
        },
    ],
}


def test_the_seed_walk_through(woo: Woo) -> None:
    created = woo.create(645, {"amount": 10})
    assert created.status_code == 201
    assert created.headers["content-type"] == "application/json; charset=UTF-8"
    refund = created.json()["order_refund"]
    assert {k: refund[k] for k in ("id", "amount", "reason", "line_items")} == {
        "id": 649, "amount": "10.00", "reason": "", "line_items": [],
    }  # fmt: skip
    assert refund["created_at"].endswith("Z")

    assert woo.call("GET", "/orders/645/refunds/649").json() == {"order_refund": refund}
    assert woo.refunds() == [refund, SEED_647]

    updated = woo.call(
        "PUT", "/orders/645/refunds/649", {"order_refund": {"reason": "Because was it necessary!"}}
    )
    assert updated.status_code == 200
    assert updated.json()["order_refund"] == {**refund, "reason": "Because was it necessary!"}

    deleted = woo.call("DELETE", "/orders/645/refunds/649")
    assert deleted.json() == {"message": "Permanently deleted refund"}
    gone = woo.call("GET", "/orders/645/refunds/649")
    assert error_of(gone) == (
        404,
        "woocommerce_api_invalid_order_refund_id",
        "An order refund with the provided ID could not be found.",
    )


def test_line_items_are_keyed_by_order_item_and_appear_negative(woo: Woo) -> None:
    created = woo.create(
        700,
        {
            "amount": "12.50",
            "reason": "damaged",
            "line_items": {
                "517": {"qty": 1, "refund_total": "10.00", "refund_tax": {"1": "2.50"}},
                "999": {"qty": 1, "refund_total": "1.00"},  # not in the order: ignored
                "516": {"qty": 0},  # nothing to refund on it: skipped
            },
        },
    ).json()["order_refund"]
    assert created["amount"] == "12.50"
    assert created["reason"] == "damaged"
    (line,) = created["line_items"]
    assert (line["id"], line["refunded_item_id"], line["quantity"]) == (530, 517, 1)
    assert (line["total"], line["total_tax"], line["price"]) == ("-10.00", "-2.50", "-10.00")
    assert line["name"] == "Happy Ninja"


def test_a_full_refund_marks_the_order_refunded_and_deleting_keeps_it(woo: Woo) -> None:
    assert woo.call("GET", "/orders/702").json()["order"]["status"] == "on-hold"
    refund = woo.create(702, {"amount": "65.00"}).json()["order_refund"]
    order = woo.call("GET", "/orders/702").json()["order"]
    assert order["status"] == "refunded"
    assert "total_refunded" not in order
    woo.call("DELETE", f"/orders/702/refunds/{refund['id']}")
    assert woo.call("GET", "/orders/702").json()["order"]["status"] == "refunded"


def test_a_partial_refund_leaves_the_status(woo: Woo) -> None:
    woo.create(702, {"amount": "64.99"})
    assert woo.call("GET", "/orders/702").json()["order"]["status"] == "on-hold"


def test_zero_is_a_valid_amount(woo: Woo) -> None:
    assert woo.create(645, {"amount": 0}).json()["order_refund"]["amount"] == "0.00"


@pytest.mark.parametrize(
    ("api_refund", "status"),
    [(None, 500), ("1", 500), ("false", 500), ("yes", 500), ("0", 201), ("", 201)],
)
def test_api_refund_asks_a_failing_gateway_by_php_truthiness(
    woo: Woo, api_refund: str | None, status: int
) -> None:
    params = {} if api_refund is None else {"api_refund": api_refund}
    response = woo.create(701, {"amount": 5}, params=params)
    assert response.status_code == status
    if status == 500:
        assert error_of(response) == (
            500,
            "woocommerce_api_create_order_refund_api_failed",
            "An error occurred while attempting to create the refund using the payment "
            "gateway API.",
        )
        assert woo.refunds(701) == []
        # Nothing stored: the next refund still takes the next id.
        assert woo.create(645, {"amount": 1}).json()["order_refund"]["id"] == 649


def test_gateways_that_refund_or_do_not_support_refunds_succeed(woo: Woo) -> None:
    assert woo.create(700, {"amount": 5}).status_code == 201
    assert woo.create(702, {"amount": 5}).status_code == 201
    assert woo.create(645, {"amount": 5}).status_code == 201


def test_update_changes_amount_only_when_positive(woo: Woo) -> None:
    woo.create(645, {"amount": 10})
    path = "/orders/645/refunds/649"
    assert (
        woo.call("PUT", path, {"order_refund": {"amount": 0}}).json()["order_refund"]["amount"]
        == "10.00"
    )
    assert (
        woo.call("PATCH", path, {"order_refund": {"amount": "12.5"}}).json()["order_refund"][
            "amount"
        ]
        == "12.50"
    )
    assert (
        woo.call("POST", path, {"order_refund": {"reason": "via POST"}}).json()["order_refund"][
            "reason"
        ]
        == "via POST"
    )


def test_method_override(woo: Woo) -> None:
    woo.create(645, {"amount": 10})
    by_param = woo.call("POST", "/orders/645/refunds/649", params={"_method": "DELETE"})
    assert by_param.json() == {"message": "Permanently deleted refund"}
    woo.create(645, {"amount": 10})
    by_header = woo.call(
        "POST",
        "/orders/645/refunds/650",
        headers={**basic(), "X-HTTP-Method-Override": "DELETE"},
    )
    assert by_header.json() == {"message": "Permanently deleted refund"}


def test_fields_trim_each_refund(woo: Woo) -> None:
    listed = woo.call("GET", "/orders/645/refunds", params={"fields": "id,amount"}).json()
    assert listed == {"order_refunds": [{"id": 647, "amount": "21.99"}]}
    nested = woo.call(
        "GET", "/orders/645/refunds/647", params={"fields": "id,line_items.name"}
    ).json()["order_refund"]
    assert nested == {
        "id": 647,
        "line_items": [{"name": "Premium Quality"}, {"name": "Ship Your Idea"}],
    }


def test_the_order_in_the_legacy_shape(woo: Woo) -> None:
    order = woo.call("GET", "/orders/645").json()["order"]
    assert order["id"] == 645
    assert order["status"] == "processing"
    assert order["total"] == "65.98"
    assert order["payment_details"] == {
        "method_id": "bacs",
        "method_title": "Direct Bank Transfer",
        "paid": True,
    }
    assert [(i["id"], i["product_id"], i["price"]) for i in order["line_items"]] == [
        (504, 546, "21.99"),
        (505, 613, "12.00"),
    ]
    assert Decimal(order["total"]) == Decimal("65.98")
