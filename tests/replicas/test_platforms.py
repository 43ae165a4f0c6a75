"""Each platform's refund path with every step sent to the other server than the one
before: what one process wrote, the other reads, settles and changes."""

from decimal import Decimal

import httpx
import pytest

from tests.platforms.kakaclo.conftest import NEW_ORDER
from tests.platforms.shopline.conftest import SEED_BODY, SEED_ORDER, SEED_REFUND_ID, SEED_SLIP
from tests.replicas.apis import (
    DAY,
    Admin,
    Kakaclo,
    Sandbox,
    Shopline,
    Woo,
    describe,
    expect,
    get_signed,
    signed_url,
)
from tests.replicas.servers import Pair

pytestmark = pytest.mark.e2e

SEED_ITEMS = {
    "orderItems": [
        {"itemId": "120001", "skuCode": "FSZW08923_R_L_NUB", "quantity": 1},
        {"itemId": "120002", "skuCode": "FSZW08923_R_L_NUB", "quantity": 2},
    ]
}


def kakaclo_ok(response: httpx.Response) -> object:
    body = expect(response, 200).json()
    assert body["code"] == 10000, describe(response)
    return body["data"]


def test_kakaclo_refund_and_query(pair: Pair, sandbox: Sandbox) -> None:
    kakaclo, admin = Kakaclo(sandbox), Admin(sandbox)
    a, b = pair.servers

    assert kakaclo_ok(kakaclo.refund(a, "10001", SEED_ITEMS)) == 10002
    assert kakaclo_ok(kakaclo.refund(b, "10001", {})) == 10003  # the rest, shipping included
    listed = kakaclo.refunds(a, "10001")
    assert [(r["refundNo"], r["refundStatus"]) for r in listed] == [
        ("10003", "pending_review"),
        ("10002", "pending_review"),
    ]
    assert kakaclo.order(b, "10001")["refundStatus"] == "refunding"

    assert admin.advance(a, DAY)["settled"] == 2
    listed = kakaclo.refunds(b, "10001")
    assert {r["refundStatus"] for r in listed} == {"refund_successfully"}
    order = kakaclo.order(a, "10001")
    assert order["refundStatus"] == "refunded"
    assert Decimal(str(order["refundedAmount"])) == Decimal("59.69")
    assert Decimal(str(order["refundableAmount"])) == 0


def test_kakaclo_order_created_on_one_refunded_on_the_other(pair: Pair, sandbox: Sandbox) -> None:
    kakaclo, admin = Kakaclo(sandbox), Admin(sandbox)
    a, b = pair.servers

    first = kakaclo_ok(kakaclo.create_order(a, NEW_ORDER))
    second = kakaclo_ok(kakaclo.create_order(b, NEW_ORDER))
    assert (first, second) == ("1000000463311", "1000000463312")  # one sequence for both
    item = {"itemId": "210001", "skuCode": "FSZW08923_R_L_NUB", "quantity": 1}
    assert kakaclo_ok(kakaclo.refund(b, str(first), {"orderItems": [item]})) == 10002
    assert kakaclo_ok(kakaclo.refund(a, str(second), {})) == 10003
    listed = kakaclo.refunds_by(a, ids=f"{first},{second}")
    assert [(r["refundNo"], r["id"], r["refundStatus"]) for r in listed] == [
        ("10003", second, "pending_review"),
        ("10002", first, "pending_review"),
    ]
    assert admin.advance(b, DAY)["settled"] == 2
    settled = kakaclo.refunds_by(b, refundNo="10002,10003", ids=str(second))
    assert [(r["refundNo"], r["refundStatus"]) for r in settled] == [
        ("10003", "refund_successfully")
    ]
    assert kakaclo.order(a, str(second))["refundStatus"] == "refunded"
    assert kakaclo.order(b, str(first))["refundStatus"] == "partial_refund"


def test_shopline_refund_get_and_list(pair: Pair, sandbox: Sandbox) -> None:
    shopline, admin = Shopline(sandbox), Admin(sandbox)
    a, b = pair.servers

    first = expect(shopline.refund(a, SEED_BODY), 200).json()["data"]
    assert first["id"] == SEED_REFUND_ID
    assert [t["status"] for t in first["transactions"]] == ["pending"]
    second_body = {"order_id": SEED_ORDER, "transactions": [{"id": SEED_SLIP, "amount": "5.00"}]}
    second = expect(shopline.refund(b, second_body), 200).json()["data"]
    assert second["id"] == "2605755870074105241862"

    listed = expect(shopline.refunds(a, SEED_ORDER), 200).json()["refunds"]
    assert [r["id"] for r in listed] == [SEED_REFUND_ID, second["id"]]  # oldest first
    one = expect(shopline.refund_of(b, SEED_ORDER, SEED_REFUND_ID), 200).json()["refund"]
    assert [(t["amount"], t["status"]) for t in one["transactions"]] == [("2.34", "pending")]

    assert admin.advance(b, DAY)["settled"] == 2
    one = expect(shopline.refund_of(a, SEED_ORDER, SEED_REFUND_ID), 200).json()["refund"]
    assert [t["status"] for t in one["transactions"]] == ["success"]
    (order,) = expect(shopline.orders(b, ids=SEED_ORDER), 200).json()["orders"]
    assert order["financial_status"] == "partially_refunded"
    assert order["current_total_price"] == "30.06"  # 37.40 less 2.34 and 5.00


def test_woocommerce_create_get_list_update_and_delete(pair: Pair, sandbox: Sandbox) -> None:
    woo = Woo(sandbox)
    a, b = pair.servers

    created = expect(woo.create(a, 645, {"amount": 10}), 201).json()["order_refund"]
    assert (created["id"], created["amount"]) == (649, "10.00")
    seen = expect(woo.refund(b, 645, 649), 200).json()["order_refund"]
    assert seen == created
    second = expect(woo.create(b, 645, {"amount": "5.00"}), 201).json()["order_refund"]
    assert second["id"] == 650
    assert [r["id"] for r in woo.refunds(a, 645)] == [650, 649, 647]  # newest first

    update = {"order_refund": {"reason": "Refunded by bank transfer"}}
    updated = expect(woo.call(b, "PUT", "/orders/645/refunds/649", json=update), 200)
    assert updated.json()["order_refund"]["reason"] == "Refunded by bank transfer"
    assert expect(woo.refund(a, 645, 649), 200).json()["order_refund"]["reason"] == (
        "Refunded by bank transfer"
    )

    deleted = expect(woo.call(a, "DELETE", "/orders/645/refunds/650"), 200)
    assert deleted.json() == {"message": "Permanently deleted refund"}
    gone = expect(woo.refund(b, 645, 650), 404).json()
    assert gone["errors"][0]["code"] == "woocommerce_api_invalid_order_refund_id"
    assert [r["id"] for r in woo.refunds(b, 645)] == [649, 647]
    # 65.98 less 21.99 and 10.00 is left: 34.00 more is refused, on either server.
    refused = expect(woo.create(a, 645, {"amount": "34.00"}), 400).json()
    assert refused["errors"][0]["code"] == "woocommerce_api_cannot_create_order_refund"


def test_woocommerce_nonce_used_on_one_server_is_refused_by_the_other(
    pair: Pair, sandbox: Sandbox
) -> None:
    a, b = pair.servers
    url = signed_url(sandbox, "/orders/645/refunds/647")
    assert "oauth_nonce=" in url

    assert expect(get_signed(a, url), 200).json()["order_refund"]["id"] == 647
    replayed = expect(get_signed(b, url), 401).json()
    assert replayed == {
        "errors": [
            {
                "code": "woocommerce_api_authentication_error",
                "message": "Invalid nonce - nonce has already been used.",
            }
        ]
    }
    # The refusal is the nonce's alone: the same request signed again passes on B.
    fresh = signed_url(sandbox, "/orders/645/refunds/647")
    assert expect(get_signed(b, fresh), 200).json()["order_refund"]["id"] == 647
    expect(get_signed(a, fresh), 401)
