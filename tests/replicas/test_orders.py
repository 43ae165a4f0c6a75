"""Orders added and changed through the control plane of one server (shipped, paid,
cancelled, their gateway set) are refunded, or refused, through the other."""

import httpx
import pytest

from tests.replicas.apis import Admin, Kakaclo, Sandbox, Woo, describe, expect
from tests.replicas.servers import Pair

pytestmark = pytest.mark.e2e
NEW_ORDER = {
    "id": "5001",
    "created_at": "2030-01-01T00:00:00Z",
    "shipping": "5.00",
    "items": [
        {"id": "1", "sku": "TEE-M", "quantity": 2, "price": "10.00"},
        {"id": "2", "sku": "CAP", "quantity": 1, "price": "8.00"},
    ],
}


def kakaclo_code(answer: httpx.Response) -> int:
    code: int = expect(answer, 200, 409).json()["code"]
    return code


def test_kakaclo_orders_changed_through_one_refunded_through_the_other(
    pair: Pair, sandbox: Sandbox
) -> None:
    admin, kakaclo = Admin(sandbox), Kakaclo(sandbox)
    a, b = pair.servers

    admin.add_order(a, "kakaclo", NEW_ORDER)
    again = b.http.post(f"{sandbox.admin}/orders", json={"platform": "kakaclo", "order": NEW_ORDER})
    expect(again, 409)
    shipped = admin.post(b, "orders/kakaclo/5001/ship", {"items": {"1": 1}})
    assert shipped["items"] == {
        "1": {"quantity": 2, "shipped": 1},
        "2": {"quantity": 1, "shipped": 0},
    }
    assert kakaclo_code(kakaclo.refund(a, "5001", {})) == 50002  # partly shipped

    unpaid = "1000000463307"
    assert kakaclo_code(kakaclo.refund(b, unpaid, {})) == 50004
    assert admin.post(a, f"orders/kakaclo/{unpaid}/pay")["paid"] is True
    assert kakaclo_code(kakaclo.refund(b, unpaid, {})) == 10000

    cancelled = admin.post(b, "orders/kakaclo/1000000463303/cancel")
    assert (cancelled["status"], cancelled["cancelled"]) == ("cancel", True)
    assert kakaclo_code(kakaclo.refund(a, "1000000463303", {})) == 50003


def test_woocommerce_gateway_set_through_one_answers_the_other(
    pair: Pair, sandbox: Sandbox
) -> None:
    admin, woo = Admin(sandbox), Woo(sandbox)
    a, b = pair.servers

    admin.post(a, "orders/woocommerce/700/gateway", {"behaviour": "fail"})
    refused = expect(woo.create(b, 700, {"amount": "5.00"}), 500)
    code = refused.json()["errors"][0]["code"]
    assert code == "woocommerce_api_create_order_refund_api_failed", describe(refused)

    admin.post(b, "orders/woocommerce/700/gateway", {"behaviour": "refund"})
    expect(woo.create(a, 700, {"amount": "5.00"}), 201)
    shipped = admin.post(a, "orders/woocommerce/700/ship")
    assert shipped["status"] == "completed"
    order = expect(woo.call(b, "GET", "/orders/700"), 200).json()["order"]
    assert order["status"] == "completed"
