"""GET .../order/refund?refundNo=&ids= — Query ReFund in the docs' latest form."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.platforms.kakaclo.conftest import AUTH, SECOND_AUTH, SEED_ITEMS, Kakaclo

DAY = 24 * 3600
QUERY_PATHS = [
    "/openapi/order/refund",
    "/openapi/v2/order/refund",
    "/openapi/openapi/v2/order/refund",
    "/openapi/v1/order/refund",
    "/openapi/openapi/v1/order/refund",
]
ONE_UNIT = {"orderItems": [{"itemId": "130003", "quantity": 1}]}


def entry(number: str, order: str, status: str = "pending_review", **more: Any) -> dict[str, Any]:
    return {
        "refundNo": number,
        "refundStatus": status,
        "id": order,
        "remark": more.get("remark"),
        "reason": more.get("reason", "Other"),
    }


def numbers(response: Any) -> list[str]:
    body = response.json()
    assert body["code"] == 10000, body
    assert body["data"]["total"] >= len(body["data"]["list"])
    return [e["refundNo"] for e in body["data"]["list"]]


@pytest.fixture
def refunded(kakaclo: Kakaclo) -> Kakaclo:
    """10002 (order 10001, seed items), 10003 (order 1000000463303, a reason and remark)."""
    assert kakaclo.refund("10001", SEED_ITEMS).json()["data"] == 10002
    body = {**ONE_UNIT, "refundReason": "Out Of Stock", "remark": "no more gold"}
    assert kakaclo.refund("1000000463303", body).json()["data"] == 10003
    return kakaclo


@pytest.mark.parametrize("path", QUERY_PATHS)
def test_every_base_prefix_answers_the_documented_shape(refunded: Kakaclo, path: str) -> None:
    response = refunded.refunds(path, refundNo="10002,10003")
    assert response.status_code == 200
    assert response.json() == {
        "code": 10000,
        "message": "success",
        "data": {
            "total": 2,
            "pageNumber": 1,
            "pageSize": 10,
            "list": [
                entry("10003", "1000000463303", remark="no more gold", reason="Out Of Stock"),
                entry("10002", "10001"),
            ],
        },
    }


def test_refund_numbers_pick_refunds_of_any_order_and_unknown_ones_match_nothing(
    refunded: Kakaclo,
) -> None:
    # 10000 is the fixtures' refund of order 1000000463310, settled before the mock began.
    response = refunded.refunds(refundNo="10000, 10002,424242")
    assert response.json()["data"]["list"] == [
        entry("10002", "10001"),
        entry("10000", "1000000463310", "refund_successfully"),
    ]
    assert response.json()["data"]["total"] == 2
    assert refunded.refunds(refundNo="424242").json()["data"] == {
        "total": 0, "pageNumber": 1, "pageSize": 10, "list": [],
    }  # fmt: skip


def test_order_ids_list_every_refund_of_those_orders(refunded: Kakaclo) -> None:
    refunded.refund("10001", {})
    assert numbers(refunded.refunds(ids="10001,1000000463310")) == ["10004", "10002", "10000"]
    assert numbers(refunded.refunds(ids="1000000463304")) == []  # an order without refunds


def test_with_both_lists_a_refund_must_match_both(refunded: Kakaclo) -> None:
    assert numbers(refunded.refunds(refundNo="10002,10003", ids="10001")) == ["10002"]
    assert numbers(refunded.refunds(refundNo="10003", ids="10001")) == []
    both = refunded.refunds(refundNo="10002,10003", ids="10001,1000000463303")
    assert numbers(both) == ["10003", "10002"]


def test_without_either_list_every_refund_of_the_store_is_listed(refunded: Kakaclo) -> None:
    assert numbers(refunded.refunds()) == ["10003", "10002", "10000"]
    assert numbers(refunded.refunds(refundNo="", ids=" , ")) == ["10003", "10002", "10000"]


def test_blanks_and_repeats_in_a_list_are_left_out(refunded: Kakaclo) -> None:
    assert numbers(refunded.refunds(refundNo=",10002,, 10002 ,")) == ["10002"]
    repeated = refunded.client.get(
        "/openapi/v2/order/refund?refundNo=10002&refundNo=10003", headers=AUTH
    )
    assert numbers(repeated) == ["10003", "10002"]


def test_entries_are_the_path_forms_entries(refunded: Kakaclo) -> None:
    refunded.refund("10001", {"refundReason": "Don't Want Anymore"})
    by_path = refunded.query("10001").json()["data"]
    by_query = refunded.refunds(ids="10001").json()["data"]
    assert by_query == by_path
    assert [e["reason"] for e in by_query["list"]] == ["Don't Want Anymore", "Other"]


def test_pages_newest_first(kakaclo: Kakaclo) -> None:
    for _ in range(3):
        kakaclo.refund("1000000463303", ONE_UNIT)
    page = kakaclo.refunds(ids="1000000463303", pageNumber=2, pageSize=2).json()["data"]
    assert (page["total"], page["pageNumber"], page["pageSize"]) == (3, 2, 2)
    assert [e["refundNo"] for e in page["list"]] == ["10002"]
    first = kakaclo.refunds(ids="1000000463303", pageSize=2).json()["data"]
    assert [e["refundNo"] for e in first["list"]] == ["10004", "10003"]
    past = kakaclo.refunds(ids="1000000463303", pageNumber=2147483647).json()["data"]
    assert (past["total"], past["list"]) == (3, [])


def test_statuses_move_on_the_mock_clock(kakaclo: Kakaclo) -> None:
    kakaclo.refund("10001", SEED_ITEMS)
    kakaclo.refund("1000000463308", {})  # this order's refunds are forced to fail
    query = {"refundNo": "10002,10003"}
    listed = kakaclo.refunds(**query).json()["data"]["list"]
    assert [e["refundStatus"] for e in listed] == ["pending_review", "pending_review"]
    assert kakaclo.advance(DAY)["settled"] == 2
    listed = kakaclo.refunds(**query).json()["data"]["list"]
    assert [(e["refundNo"], e["refundStatus"]) for e in listed] == [
        ("10003", "refund_failed"),
        ("10002", "refund_successfully"),
    ]


def test_a_read_of_the_query_form_counts_for_an_outcome_forced_after_reads(
    kakaclo: Kakaclo,
) -> None:
    forced = {"outcome": "failed", "platform": "kakaclo", "after_reads": 1}
    assert kakaclo.client.post("/__admin/outcomes", json=forced).status_code == 201
    kakaclo.refund("1000000463303", ONE_UNIT)
    statuses = [
        kakaclo.refunds(refundNo="10002").json()["data"]["list"][0]["refundStatus"]
        for _ in range(2)
    ]
    assert statuses == ["pending_review", "refund_failed"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"refundNo": ",".join(str(n) for n in range(101))}, "refundNo takes at most 100 values, got 101"),
        ({"ids": "9" * 65}, "ids: each value is at most 64 characters, got one of 65"),
        ({"refundNo": "10002,1\x010"}, "refundNo: a value holds a control character"),
        ({"pageSize": "251"}, "pageSize must be between 1 and 250"),
        ({"pageSize": "0"}, "pageSize must be between 1 and 250"),
        ({"pageNumber": "0"}, "pageNumber must be between 1 and 2147483647"),
        ({"pageNumber": "2147483648"}, "pageNumber must be between 1 and 2147483647"),
        ({"pageNumber": "x"}, "pageNumber must be a whole number, got 'x'"),
    ],
)  # fmt: skip
def test_bad_values_are_refused_in_kakaclos_envelope(
    refunded: Kakaclo, params: dict[str, str], message: str
) -> None:
    response = refunded.refunds(**params)
    assert response.status_code == 400
    assert response.json() == {"code": 20002, "message": message, "data": None}


def test_a_hundred_values_are_taken(refunded: Kakaclo) -> None:
    wanted = ",".join(["10002", *(str(n) for n in range(99))])
    assert numbers(refunded.refunds(refundNo=wanted)) == ["10002"]


@pytest.mark.parametrize(
    ("headers", "code"),
    [({}, 30001), ({"Authorization": "Bearer wrong-token"}, 30002)],
)
def test_a_missing_or_wrong_token_is_refused(
    client: TestClient, headers: dict[str, str], code: int
) -> None:
    response = client.get("/openapi/v2/order/refund", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == code


def test_another_stores_refunds_are_never_listed(two_stores: TestClient) -> None:
    def listed(auth: dict[str, str], **params: str) -> list[str]:
        return numbers(two_stores.get("/openapi/v2/order/refund", params=params, headers=auth))

    assert listed(AUTH, refundNo="20000") == []
    assert listed(AUTH, ids="2000000000001") == []
    assert listed(AUTH) == ["10000"]
    assert listed(SECOND_AUTH) == ["20000"]
    assert listed(SECOND_AUTH, refundNo="10000,20000") == ["20000"]
    second = two_stores.get(
        "/openapi/order/refund", params={"refundNo": "20000"}, headers=SECOND_AUTH
    )
    assert second.json()["data"]["list"] == [
        entry("20000", "2000000000001", "refund_successfully", reason="Out Of Stock")
    ]


def test_each_sandbox_lists_its_own_refunds(kakaclo: Kakaclo) -> None:
    sandbox = kakaclo.client.post("/__admin/sandboxes").json()["id"]
    kakaclo.client.post(
        f"/sandboxes/{sandbox}/openapi/v2/order/orders/10001/refund", json={}, headers=AUTH
    )
    in_sandbox = kakaclo.client.get(f"/sandboxes/{sandbox}/openapi/order/refund", headers=AUTH)
    assert numbers(in_sandbox) == ["10002", "10000"]
    assert numbers(kakaclo.refunds()) == ["10000"]
