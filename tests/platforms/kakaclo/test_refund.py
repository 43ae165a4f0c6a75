"""POST /openapi/v2/order/orders/{id}/refund — the seed's examples and every refusal."""

import pytest

from tests.platforms.kakaclo.conftest import AUTH, SEED_ITEMS, Kakaclo


def test_seed_example_refund_some_items(kakaclo: Kakaclo) -> None:
    response = kakaclo.refund("10001", SEED_ITEMS)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"code": 10000, "message": "ok", "data": 10002}


def test_seed_example_refund_the_rest_of_the_order(kakaclo: Kakaclo) -> None:
    kakaclo.refund("10001", SEED_ITEMS)
    response = kakaclo.refund("10001", {})
    assert response.json() == {"code": 10000, "message": "ok", "data": 10003}
    order = kakaclo.order("10001")
    assert [item["refundStatus"] for item in order["orderItems"]] == ["refunding", "refunding"]
    assert order["refundableAmount"] == 0


@pytest.mark.parametrize(
    "path",
    [
        "/openapi/openapi/v2/order/orders/10001/refund",
        "/openapi/v2/order/orders/10001/refund",
        "/openapi/v1/order/orders/10001/refund",
        "/openapi/openapi/v1/order/orders/10001/refund",
    ],
)
def test_every_path_form_answers_the_same(kakaclo: Kakaclo, path: str) -> None:
    response = kakaclo.client.post(path, json=SEED_ITEMS, headers=AUTH)
    assert response.json() == {"code": 10000, "message": "ok", "data": 10002}


def test_an_empty_body_refunds_the_whole_order(kakaclo: Kakaclo) -> None:
    response = kakaclo.client.post("/openapi/v2/order/orders/10001/refund", headers=AUTH)
    assert response.json()["code"] == 10000
    assert kakaclo.order("10001")["refundableAmount"] == 0


def test_country_code_narrows_the_item(kakaclo: Kakaclo) -> None:
    item = {"itemId": "120001", "skuCode": "FSZW08923_R_L_NUB", "quantity": 1}
    wrong = kakaclo.refund("10001", {"orderItems": [{**item, "countryCode": "US"}]})
    assert wrong.json()["code"] == 50006
    right = kakaclo.refund("10001", {"orderItems": [{**item, "countryCode": "CN"}]})
    assert right.json()["code"] == 10000


@pytest.mark.parametrize(
    ("order_id", "body", "status", "code"),
    [
        ("1000000463305", {}, 409, 50001),  # fully shipped
        ("1000000463304", {}, 409, 50002),  # partially shipped
        ("1000000463306", {}, 409, 50003),  # cancelled
        ("1000000463307", {}, 409, 50004),  # unpaid
        ("999", {}, 404, 40001),  # unknown order
        ("10001", {"orderItems": [{"itemId": "777", "quantity": 1}]}, 422, 50006),
        (
            "10001",
            {"orderItems": [{"itemId": "120001", "skuCode": "X", "quantity": 1}]},
            422,
            50006,
        ),
        ("10001", {"orderItems": [{"itemId": "120001", "quantity": 0}]}, 422, 50007),
        ("10001", {"orderItems": [{"itemId": "120001", "quantity": 3}]}, 422, 50008),
        ("10001", {"orderItems": [{"itemId": "120001", "quantity": "x"}]}, 400, 20002),
        ("10001", {"orderItems": [{"itemId": "120001", "quantity": True}]}, 400, 20002),
        ("10001", {"orderItems": [{"quantity": 1}]}, 400, 20002),
        ("10001", {"orderItems": {"itemId": "120001"}}, 400, 20002),
        ("10001", {"refundReason": "Because"}, 400, 20002),
        ("10001", [], 400, 20001),
    ],
)
def test_refusals_answer_in_kakaclos_envelope_and_change_nothing(
    kakaclo: Kakaclo, order_id: str, body: object, status: int, code: int
) -> None:
    before = kakaclo.orders(pageSize=250).json()
    response = kakaclo.refund(order_id, body)
    assert response.status_code == status
    payload = response.json()
    assert set(payload) == {"code", "message", "data"}
    assert payload["code"] == code
    assert payload["data"] is None
    assert isinstance(payload["message"], str)
    assert payload["message"]
    assert kakaclo.orders(pageSize=250).json() == before
    # The refund number was not used up either.
    assert kakaclo.refund("10001", {}).json()["data"] == 10002


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, 20001),
        (b'{"orderItems": [}', "application/json", 400, 20001),
        (b"\xff\xfe{}", "application/json", 400, 20001),
        (b"[" * 10_000 + b"]" * 10_000, "application/json", 400, 20001),
        (b'{"remark": NaN}', "application/json", 400, 20001),
        (b"orderItems=1", "application/x-www-form-urlencoded", 415, 20003),
        (b"x" * (1024 * 1024 + 1), "application/json", 413, 20004),
    ],
)
def test_malformed_bodies(
    kakaclo: Kakaclo, raw: bytes, content_type: str, status: int, code: int
) -> None:
    response = kakaclo.client.post(
        "/openapi/v2/order/orders/10001/refund",
        content=raw,
        headers={**AUTH, "Content-Type": content_type},
    )
    assert response.status_code == status
    assert response.json()["code"] == code
    assert kakaclo.order("10001")["refundStatus"] == "NULL"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, 30001),
        ({"Authorization": "Basic a2FrYWNsbw=="}, 30001),
        ({"Authorization": "Bearer"}, 30001),
        ({"Authorization": "Bearer wrong-token"}, 30002),
        ({"Authorization": "Bearer shopline-test-token"}, 30002),  # another platform's token
    ],
)
def test_missing_or_wrong_token(kakaclo: Kakaclo, headers: dict[str, str], code: int) -> None:
    response = kakaclo.client.post(
        "/openapi/v2/order/orders/10001/refund", json={}, headers=headers
    )
    assert response.status_code == 401
    assert response.json() == {"code": code, "message": response.json()["message"], "data": None}
    assert kakaclo.order("10001")["refundStatus"] == "NULL"


def test_unknown_fields_are_ignored(kakaclo: Kakaclo) -> None:
    response = kakaclo.refund(
        "10001", {"surprise": 1, "orderItems": [{"itemId": 120001, "quantity": 1, "x": 2}]}
    )
    assert response.json()["code"] == 10000
