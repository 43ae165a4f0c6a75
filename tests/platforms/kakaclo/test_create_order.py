"""POST /openapi/v2/order/orders — an order of catalogue SKUs, ready to be refunded."""

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.platforms.kakaclo.conftest import ADDRESS, AUTH, NEW_ORDER, SECOND_AUTH, Kakaclo

DAY = 24 * 3600
# The default store's order sequence starts past the fixtures' order ids.
FIRST_ID = "1000000463311"
PREFIXES = ["/openapi/v2", "/openapi/openapi/v2", "/openapi/v1", "/openapi/openapi/v1"]


def created_id(response: Any) -> str:
    body = response.json()
    assert (response.status_code, body["code"], body["message"]) == (200, 10000, "ok"), body
    order_id: str = body["data"]
    return order_id


def with_address(**changes: Any) -> dict[str, Any]:
    address = {k: v for k, v in {**ADDRESS, **changes}.items() if v is not None}
    return {**NEW_ORDER, "orderAddresses": address}


def with_items(*items: dict[str, Any]) -> dict[str, Any]:
    return {**NEW_ORDER, "orderItemsList": list(items)}


def test_the_answer_is_the_new_orders_id_from_the_stores_sequence(kakaclo: Kakaclo) -> None:
    assert kakaclo.create_order().json() == {"code": 10000, "message": "ok", "data": FIRST_ID}
    assert created_id(kakaclo.create_order()) == "1000000463312"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_prefix_creates_an_order(kakaclo: Kakaclo, prefix: str) -> None:
    response = kakaclo.client.post(f"{prefix}/order/orders", json=NEW_ORDER, headers=AUTH)
    assert created_id(response) == FIRST_ID
    assert kakaclo.order(FIRST_ID)["customOrderId"] == "MY-0001"


def test_the_order_is_paid_waiting_to_ship_and_priced_from_the_catalogue(
    kakaclo: Kakaclo,
) -> None:
    now = kakaclo.client.get("/__admin/clock").json()["now"]
    order = kakaclo.order(created_id(kakaclo.create_order()))
    moment = now[:19] + "Z"  # Kakaclo writes times to the second
    assert {k: order[k] for k in ("id", "customOrderId", "remark", "status", "financialStatus",
                                  "fulfillmentStatus", "refundStatus", "purchaseDate", "payDate",
                                  "createDate", "cancelDate", "refundDate", "fulfillments")} == {
        "id": FIRST_ID, "customOrderId": "MY-0001", "remark": "leave at the door",
        "status": "processing", "financialStatus": "paid", "fulfillmentStatus": "waiting_to_ship",
        "refundStatus": "NULL", "purchaseDate": moment, "payDate": moment, "createDate": moment,
        "cancelDate": None, "refundDate": None, "fulfillments": None,
    }  # fmt: skip
    # 2 x 12.50 + 3 x 3.10; no shipping is charged.
    money = ("finalAmount", "subTotalAmount", "refundableAmount", "freightAmount", "refundedAmount")
    assert [Decimal(str(order[k])) for k in money] == [
        Decimal("34.30"), Decimal("34.30"), Decimal("34.30"), 0, 0,
    ]  # fmt: skip
    assert order["shippingAddress"] == {**ADDRESS, "ioss": None, "vat": None}
    dress, earrings = order["orderItems"]
    assert {k: dress[k] for k in ("id", "itemId", "skuCode", "productName", "productNum",
                                  "amount", "total", "countryCode", "imageUrl", "option1",
                                  "refundStatus")} == {
        "id": "210001", "itemId": "210001", "skuCode": "FSZW08923_R_L_NUB",
        "productName": "Ruched Maxi Dress - Red / L", "productNum": 2, "amount": 12.5,
        "total": 25, "countryCode": "CN",
        "imageUrl": "https://img.example.test/FSZW08923_R_L_NUB.jpg",
        "option1": '{"name":"color", "value":"Red"}', "refundStatus": "NULL",
    }  # fmt: skip
    assert (earrings["itemId"], earrings["skuCode"], earrings["productNum"]) == (
        "210002", "FSAC00077_GLD_OS_NUB", 3,
    )  # fmt: skip
    raw = kakaclo.orders(ids=FIRST_ID).content
    assert b'"finalAmount":34.3000' in raw
    assert b'"amount":3.1000' in raw


def test_it_is_listed_first_as_the_newest_order(kakaclo: Kakaclo) -> None:
    created = created_id(kakaclo.create_order())
    listed = kakaclo.orders().json()["data"]
    assert listed["total"] == 10
    assert listed["list"][0]["id"] == created


def test_a_new_order_can_be_refunded_at_once_by_item_and_whole(kakaclo: Kakaclo) -> None:
    order_id = created_id(kakaclo.create_order())
    item = {"itemId": "210001", "skuCode": "FSZW08923_R_L_NUB", "quantity": 1}
    assert kakaclo.refund(order_id, {"orderItems": [item]}).json()["data"] == 10002
    assert kakaclo.refund(order_id, {"refundReason": "Out Of Stock"}).json()["data"] == 10003
    refunding = kakaclo.order(order_id)
    assert (refunding["refundStatus"], refunding["refundableAmount"]) == ("refunding", 0)

    listed = kakaclo.refunds(ids=order_id).json()["data"]["list"]
    assert [(e["refundNo"], e["reason"], e["refundStatus"]) for e in listed] == [
        ("10003", "Out Of Stock", "pending_review"),
        ("10002", "Other", "pending_review"),
    ]
    kakaclo.advance(DAY)
    assert [e["refundStatus"] for e in kakaclo.refunds(refundNo="10002,10003").json()["data"]["list"]] == [
        "refund_successfully", "refund_successfully",
    ]  # fmt: skip
    refunded = kakaclo.order(order_id)
    assert refunded["refundStatus"] == "refunded"
    assert Decimal(str(refunded["refundedAmount"])) == Decimal("34.30")
    assert [i["refundStatus"] for i in refunded["orderItems"]] == ["refunded", "refunded"]


def test_a_sku_named_twice_is_one_item_with_the_quantities_added(kakaclo: Kakaclo) -> None:
    body = with_items({"sku": "FSWT01234_BLK_M_NUB", "quantity": 1},
                      {"sku": "FSZW08517_PEB_XXL_NUB", "quantity": 2},
                      {"sku": "FSWT01234_BLK_M_NUB", "quantity": 4})  # fmt: skip
    items = kakaclo.order(created_id(kakaclo.create_order(body)))["orderItems"]
    assert [(i["skuCode"], i["productNum"], i["countryCode"]) for i in items] == [
        ("FSWT01234_BLK_M_NUB", 5, "US"),
        ("FSZW08517_PEB_XXL_NUB", 2, "CN"),
    ]


def test_only_the_address_and_items_are_needed(kakaclo: Kakaclo) -> None:
    required = {k: ADDRESS[k] for k in ("country", "recipient", "phone", "street1", "city", "zip")}
    body = {"orderAddresses": {**required, "country": "us", "zip": 95112, "phone": 4085550101},
            "orderItemsList": [{"sku": "FSAC00077_GLD_OS_NUB", "quantity": 1}]}  # fmt: skip
    order = kakaclo.order(created_id(kakaclo.create_order(body)))
    assert (order["customOrderId"], order["remark"]) == (None, None)
    address = order["shippingAddress"]
    assert (address["country"], address["zip"], address["phone"]) == ("US", "95112", "4085550101")
    assert (address["province"], address["street2"]) == (None, None)


@pytest.mark.parametrize("channel", ["Standard", "Express", "Expedited"])
def test_each_documented_channel_is_taken(kakaclo: Kakaclo, channel: str) -> None:
    assert created_id(kakaclo.create_order({**NEW_ORDER, "channelType": channel})) == FIRST_ID


def test_the_sequence_skips_an_id_an_order_has_already(kakaclo: Kakaclo) -> None:
    taken = {"id": FIRST_ID, "created_at": "2024-05-05T00:00:00Z",
             "items": [{"id": "1", "quantity": 1, "price": "1.00"}]}  # fmt: skip
    added = kakaclo.client.post("/__admin/orders", json={"platform": "kakaclo", "order": taken})
    assert added.status_code == 201
    assert created_id(kakaclo.create_order()) == "1000000463312"


REQUIRED = ["country", "recipient", "phone", "street1", "city", "zip"]


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({k: v for k, v in NEW_ORDER.items() if k != "orderAddresses"}, 422, 60003, "orderAddresses is required"),
        ({**NEW_ORDER, "orderAddresses": "1 Market St"}, 422, 60003, "orderAddresses must be a JSON object"),
        *[(with_address(**{name: None}), 422, 60003, f"orderAddresses.{name} is required") for name in REQUIRED],
        (with_address(city="  "), 422, 60003, "orderAddresses.city is required"),
        (with_address(country="USA"), 422, 60003, "orderAddresses.country must be a two-letter country code such as US"),
        (with_address(phone="call me"), 422, 60003, "orderAddresses.phone must be a phone number: digits, spaces, +, -, ( and ), 3 to 32 characters"),
        (with_address(zip="95112!"), 422, 60003, "orderAddresses.zip must be a postal code: letters, digits, spaces and -, at most 16 characters"),
        (with_address(ioss="123"), 422, 60003, "orderAddresses.ioss must be an IOSS number: IM and 10 digits"),
        (with_address(vat="x"), 422, 60003, "orderAddresses.vat must be a VAT number: 2 to 32 letters and digits"),
        (with_address(street1="x" * 201), 422, 60003, "orderAddresses.street1: String should have at most 200 characters"),
        (with_address(phone=["4085550101"]), 422, 60003, "orderAddresses.phone: Input should be a valid string"),
        ({k: v for k, v in NEW_ORDER.items() if k != "orderItemsList"}, 400, 20002, "orderItemsList must name at least one item"),
        (with_items(), 400, 20002, "orderItemsList must name at least one item"),
        (with_items(*[{"sku": "FSAC00077_GLD_OS_NUB", "quantity": 1}] * 101), 400, 20002, "orderItemsList takes at most 100 items"),
        (with_items({"sku": "NOT-SOLD-HERE", "quantity": 1}), 422, 60001, "SKU NOT-SOLD-HERE is not in the store's catalogue"),
        (with_items({"sku": "FSAC00077_GLD_OS_NUB", "quantity": 0}), 422, 60002, "orderItemsList[0].quantity must be between 1 and 999"),
        (with_items({"sku": "FSAC00077_GLD_OS_NUB", "quantity": -1}), 422, 60002, "orderItemsList[0].quantity must be between 1 and 999"),
        (with_items({"sku": "FSAC00077_GLD_OS_NUB", "quantity": 1000}), 422, 60002, "orderItemsList[0].quantity must be between 1 and 999"),
        (with_items({"sku": "FSAC00077_GLD_OS_NUB", "quantity": 500}, {"sku": "FSAC00077_GLD_OS_NUB", "quantity": 500}),
         422, 60002, "SKU FSAC00077_GLD_OS_NUB: 1000 units in all; at most 999 per SKU"),
        (with_items({"sku": "FSAC00077_GLD_OS_NUB", "quantity": "two"}), 400, 20002, "orderItemsList[0].quantity: Input should be a valid integer, unable to parse string as an integer"),
        (with_items({"sku": "FSAC00077_GLD_OS_NUB", "quantity": True}), 400, 20002, "orderItemsList[0].quantity: Value error, must be a whole number"),
        (with_items({"sku": "FSAC00077_GLD_OS_NUB", "quantity": 1.5}), 400, 20002, "orderItemsList[0].quantity: Input should be a valid integer, got a number with a fractional part"),
        (with_items({"quantity": 1}), 400, 20002, "orderItemsList[0].sku: Field required"),
        ({**NEW_ORDER, "channelType": "Overnight"}, 400, 20002, "channelType: Input should be 'Standard', 'Express' or 'Expedited'"),
        ({**NEW_ORDER, "remark": "x" * 1001}, 400, 20002, "remark: String should have at most 1000 characters"),
        ({**NEW_ORDER, "customOrderId": "x" * 65}, 400, 20002, "customOrderId: String should have at most 64 characters"),
        ([NEW_ORDER], 400, 20001, "the request body must be a JSON object"),
    ],
)  # fmt: skip
def test_refusals_answer_in_kakaclos_envelope_and_change_nothing(
    kakaclo: Kakaclo, body: Any, status: int, code: int, message: str
) -> None:
    before = kakaclo.orders(pageSize=250).json()
    response = kakaclo.create_order(body)
    assert response.status_code == status
    assert response.json() == {"code": code, "message": message, "data": None}
    assert kakaclo.orders(pageSize=250).json() == before
    # No id was used up either.
    assert created_id(kakaclo.create_order()) == FIRST_ID


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, 20001),
        (b"", "application/json", 422, 60003),  # an empty body is {}: no address
        (b"orderItemsList=1", "application/x-www-form-urlencoded", 415, 20003),
        (b"x" * (1024 * 1024 + 1), "application/json", 413, 20004),
    ],
)
def test_unreadable_bodies(
    kakaclo: Kakaclo, raw: bytes, content_type: str, status: int, code: int
) -> None:
    response = kakaclo.client.post(
        "/openapi/v2/order/orders", content=raw, headers={**AUTH, "Content-Type": content_type}
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert created_id(kakaclo.create_order()) == FIRST_ID


@pytest.mark.parametrize(
    ("headers", "code"),
    [({}, 30001), ({"Authorization": "Bearer wrong-token"}, 30002)],
)
def test_a_missing_or_wrong_token_creates_nothing(
    kakaclo: Kakaclo, headers: dict[str, str], code: int
) -> None:
    response = kakaclo.client.post("/openapi/v2/order/orders", json=NEW_ORDER, headers=headers)
    assert (response.status_code, response.json()["code"]) == (401, code)
    assert kakaclo.orders().json()["data"]["total"] == 9


def test_a_failure_while_writing_leaves_nothing_behind(
    kakaclo: Kakaclo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The id, the order and its items are one transaction: a crash after the order is
    written, before the end, rolls all of it back."""
    from mockrefund.platforms.kakaclo import create_order

    add_order = create_order.add_order

    def write_then_fail(*args: Any, **kwargs: Any) -> None:
        add_order(*args, **kwargs)
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(create_order, "add_order", write_then_fail)
    response = kakaclo.create_order()
    assert response.status_code == 500
    assert response.json()["code"] == 99999
    monkeypatch.undo()
    assert kakaclo.orders(ids=FIRST_ID).json()["data"]["total"] == 0
    assert created_id(kakaclo.create_order()) == FIRST_ID


def test_each_store_orders_from_its_own_catalogue(two_stores: TestClient) -> None:
    def create(auth: dict[str, str], sku: str) -> Any:
        body = with_items({"sku": sku, "quantity": 1})
        return two_stores.post("/openapi/v2/order/orders", json=body, headers=auth)

    assert create(AUTH, "SECOND-ONLY").json()["code"] == 60001
    assert create(SECOND_AUTH, "FSZW08923_R_L_NUB").json()["code"] == 60001
    # The second store's fixtures set no order sequence: it starts at its default.
    second = created_id(create(SECOND_AUTH, "SECOND-ONLY"))
    assert second == "1000000000001"
    listed = two_stores.get("/openapi/v2/order/orders", params={"ids": second}, headers=AUTH)
    assert listed.json()["data"]["total"] == 0
    refund = two_stores.post(f"/openapi/v2/order/orders/{second}/refund", json={}, headers=AUTH)
    assert (refund.status_code, refund.json()["code"]) == (404, 40001)
    mine = two_stores.get("/openapi/v2/order/orders", params={"ids": second}, headers=SECOND_AUTH)
    (order,) = mine.json()["data"]["list"]
    assert (order["orderItems"][0]["itemId"], order["finalAmount"]) == ("1000001", 7)


def test_each_sandbox_has_its_own_orders_and_ids(kakaclo: Kakaclo) -> None:
    sandbox = kakaclo.client.post("/__admin/sandboxes").json()["id"]
    path = f"/sandboxes/{sandbox}/openapi/v2/order/orders"
    assert created_id(kakaclo.client.post(path, json=NEW_ORDER, headers=AUTH)) == FIRST_ID
    assert kakaclo.orders(ids=FIRST_ID).json()["data"]["total"] == 0
    assert created_id(kakaclo.create_order()) == FIRST_ID
    in_sandbox = kakaclo.client.get(path, params={"ids": FIRST_ID}, headers=AUTH).json()
    assert in_sandbox["data"]["list"][0]["customOrderId"] == "MY-0001"
    # A reset takes the sandbox back to its fixtures: the order and its id are free again.
    kakaclo.client.post(f"/__admin/sandboxes/{sandbox}/reset")
    after_reset = kakaclo.client.get(path, params={"ids": FIRST_ID}, headers=AUTH).json()
    assert after_reset["data"]["total"] == 0
    assert created_id(kakaclo.client.post(path, json=NEW_ORDER, headers=AUTH)) == FIRST_ID


def test_a_create_is_journalled_with_its_body_and_answer(kakaclo: Kakaclo) -> None:
    kakaclo.create_order()
    (entry,) = kakaclo.client.get("/__admin/requests", params={"method": "POST"}).json()["requests"]
    assert (entry["platform"], entry["path"], entry["status"]) == (
        "kakaclo",
        "/openapi/v2/order/orders",
        200,
    )
    assert '"customOrderId":"MY-0001"' in entry["request_body"].replace(" ", "")
    assert entry["response_body"] == '{"code":10000,"message":"ok","data":"1000000463311"}'


def test_a_fault_rule_answers_in_its_place_and_nothing_is_created(kakaclo: Kakaclo) -> None:
    rule = {
        "method": "POST",
        "path": "/order/orders$",
        "platform": "kakaclo",
        "status": 503,
        "times": 1,
    }
    assert kakaclo.client.post("/__admin/faults", json=rule).status_code == 201
    faulted = kakaclo.create_order()
    assert faulted.status_code == 503
    assert faulted.json() == {
        "code": 50300,
        "message": "fault injected by the sandbox",
        "data": None,
    }
    assert kakaclo.orders().json()["data"]["total"] == 9
    assert created_id(kakaclo.create_order()) == FIRST_ID


def test_a_full_bucket_refuses_a_create(kakaclo: Kakaclo, monkeypatch: pytest.MonkeyPatch) -> None:
    from mockrefund import clock

    monkeypatch.setattr(clock, "epoch_seconds", lambda: 1000.0)  # the bucket leaks on wall time
    kakaclo.client.put("/__admin/rate-limits", json={"kakaclo": True})
    assert {kakaclo.refunds().status_code for _ in range(120)} == {200}
    limited = kakaclo.create_order()
    assert (limited.status_code, limited.json()["code"]) == (429, 42900)
    kakaclo.client.put("/__admin/rate-limits", json={"kakaclo": False})
    assert kakaclo.orders().json()["data"]["total"] == 9
