"""One renderer, two wires: the seed's version answers as the seed page types it; from
v20251201 on, answers have the types SHOPLINE's official SDK decodes and the fields it
knows (tests/contracts checks every answer against the SDK's description)."""

from typing import Any

from fastapi.testclient import TestClient

from tests.platforms.shopline.conftest import (
    AUTH,
    HEADERS,
    SEED_ORDER,
    SEED_SLIP,
    TWO_SLIPS_ORDER,
    line,
    refund_body,
)

SEED_VERSION = "/admin/openapi/v20220901"
SDK_VERSION = "/admin/openapi/v20251201"
PRODUCT = {
    "variant_title": "M",
    "vendor": "Open001 Apparel",
    "grams": 180,
    "image_url": "https://img.myshopline.com/image/store/2000000000/classic-tee-m.jpg",
    "tags": "tee,cotton",
}


def create(client: TestClient, api: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(f"{api}/order/refund.json", json=body, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()["data"]
    return data


def refunds(client: TestClient, api: str, order_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"{api}/orders/{order_id}/refunds.json", headers=AUTH)
    found: list[dict[str, Any]] = answer.json()["refunds"]
    return found


def order(client: TestClient, api: str, order_id: str) -> dict[str, Any]:
    answer = client.get(f"{api}/orders.json", params={"ids": order_id}, headers=AUTH)
    [found] = answer.json()["orders"]
    return found  # type: ignore[no-any-return]


def test_a_create_answers_the_amount_as_the_version_types_it(client: TestClient) -> None:
    body = refund_body(SEED_ORDER, [line("601")], [(SEED_SLIP, "17.40")])
    seed = create(client, SEED_VERSION, body)
    sdk = create(client, SDK_VERSION, body)
    # The seed page's version: money as a 2-decimal string; the SDK's int64: cents.
    assert seed["transactions"][0]["amount"] == "17.40"
    assert sdk["transactions"][0]["amount"] == 1740
    for data in (seed, sdk):
        assert isinstance(data["refund_line_items"][0]["id"], int)
        assert data["refund_line_items"][0]["line_item_id"] == 601


def test_the_queries_type_ids_and_money_as_the_version_does(client: TestClient) -> None:
    create(client, SEED_VERSION, refund_body(SEED_ORDER, [line("601")], [(SEED_SLIP, "17.40")]))
    [seed] = refunds(client, SEED_VERSION, SEED_ORDER)
    [sdk] = refunds(client, SDK_VERSION, SEED_ORDER)
    seed_line, sdk_line = seed["refund_line_items"][0], sdk["refund_line_items"][0]
    assert (seed_line["line_item_id"], seed_line["line_item"]["id"]) == (601, 601)
    assert (sdk_line["line_item_id"], sdk_line["line_item"]["id"]) == ("601", "601")
    assert isinstance(seed_line["id"], int)
    assert sdk_line["id"] == str(seed_line["id"])
    assert (seed_line["subtotal"], seed_line["total_tax"]) == ("15.00", "1.20")
    assert (sdk_line["subtotal"], sdk_line["total_tax"]) == (15.0, 1.2)
    assert sdk_line["subtotal_set"] == seed_line["subtotal_set"]  # strings in both


def test_the_sdk_versions_carry_the_product_and_settlement_fields(client: TestClient) -> None:
    create(client, SEED_VERSION, refund_body(SEED_ORDER, [line("601")], [(SEED_SLIP, "17.40")]))
    [seed] = refunds(client, SEED_VERSION, SEED_ORDER)
    [sdk] = refunds(client, SDK_VERSION, SEED_ORDER)
    item = sdk["refund_line_items"][0]["line_item"]
    # From the fixture's product attributes; derived where they follow from the line.
    assert {name: item[name] for name in PRODUCT} == PRODUCT
    assert (item["taxable"], item["requires_shipping"], item["gift_card"]) == (True, True, False)
    assert item["tax_lines"][0]["rate"] == 0.08  # 2.40 of tax on 30.00
    assert not set(PRODUCT) & set(seed["refund_line_items"][0]["line_item"])
    transaction = sdk["transactions"][0]
    assert transaction["settle_amount"] == "17.40"
    assert transaction["settle_currency"] == "USD"
    assert transaction["status_update_at"] == transaction["processed_at"]
    assert "settle_amount" not in seed["transactions"][0]


def test_an_orders_current_totals_take_its_refunds_off(client: TestClient) -> None:
    before = order(client, SDK_VERSION, TWO_SLIPS_ORDER)
    # 901: 4 units at 10.00; 902: 1 at 20.00; shipping 6.00; no tax.
    assert before["total_line_items_price"] == "60.00"
    assert before["current_subtotal_price"] == "60.00"
    assert before["taxes_included"] is False
    assert before["payment_details"][0]["pay_amount"] == 30.0
    assert before["payment_details"][0]["settle_pay_amount"] == 30.0
    assert before["shipping_lines"][0]["shipping_price"] == "6.00"
    body = refund_body(TWO_SLIPS_ORDER, [line("901", 2)], [("23057520029306658561302514", "20.00")])
    create(client, SDK_VERSION, body)
    after = order(client, SDK_VERSION, TWO_SLIPS_ORDER)
    assert after["current_subtotal_price"] == "40.00"
    assert after["current_subtotal_price_set"]["shop_money"]["amount"] == "40.00"
    assert after["total_line_items_price"] == "60.00"  # what was bought does not change
    assert after["refunds"][0]["refund_line_items"][0]["line_item_id"] == "901"
    seed = order(client, SEED_VERSION, TWO_SLIPS_ORDER)
    assert "current_subtotal_price" not in seed
    assert seed["payment_details"][0]["pay_amount"] == "30.00"
