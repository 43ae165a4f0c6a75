"""Query refunds and list orders: statuses and amounts as refunds move on the mock clock."""

from decimal import Decimal

import pytest

from tests.platforms.kakaclo.conftest import SEED_ITEMS, Kakaclo

DAY = 24 * 3600


def test_a_refund_is_pending_review_until_the_clock_passes_its_settle_time(
    kakaclo: Kakaclo,
) -> None:
    kakaclo.refund("10001", SEED_ITEMS)
    body = kakaclo.query("10001").json()
    assert body["code"] == 10000
    assert body["data"]["total"] == 1
    assert body["data"]["list"] == [
        {
            "refundNo": "10002",
            "refundStatus": "pending_review",
            "id": "10001",
            "remark": None,
            "reason": "Other",
        }
    ]
    assert kakaclo.advance(DAY)["settled"] == 1
    entry = kakaclo.query("10001").json()["data"]["list"][0]
    assert entry["refundStatus"] == "refund_successfully"


def test_order_and_items_move_from_refunding_to_refunded(kakaclo: Kakaclo) -> None:
    before = kakaclo.order("10001")
    assert (before["refundStatus"], before["refundedAmount"]) == ("NULL", 0)
    assert before["refundableAmount"] == pytest.approx(59.69)

    kakaclo.refund("10001", SEED_ITEMS)  # 1 x 12.50 + 2 x 9.90 = 32.30
    pending = kakaclo.order("10001")
    assert pending["refundStatus"] == "refunding"
    assert [i["refundStatus"] for i in pending["orderItems"]] == ["refunding", "refunding"]
    assert pending["refundedAmount"] == 0
    assert pending["refundableAmount"] == pytest.approx(27.39)

    kakaclo.advance(DAY)
    partial = kakaclo.order("10001")
    assert partial["refundStatus"] == "partial_refund"
    assert [i["refundStatus"] for i in partial["orderItems"]] == ["refunded", "refunded"]
    assert partial["refundedAmount"] == pytest.approx(32.30)
    assert partial["refundDate"] is not None

    kakaclo.refund("10001", {})
    kakaclo.advance(DAY)
    full = kakaclo.order("10001")
    assert full["refundStatus"] == "refunded"
    assert full["refundedAmount"] == pytest.approx(59.69)
    assert full["refundableAmount"] == 0


def test_a_forced_failure_ends_refund_failed_and_frees_the_order(kakaclo: Kakaclo) -> None:
    kakaclo.refund("1000000463308", {})
    kakaclo.advance(DAY)
    entry = kakaclo.query("1000000463308").json()["data"]["list"][0]
    assert entry["refundStatus"] == "refund_failed"
    order = kakaclo.order("1000000463308")
    assert order["refundStatus"] == "NULL"
    assert order["refundableAmount"] == 13
    assert kakaclo.refund("1000000463308", {}).json()["code"] == 10000


def test_magic_remark_forces_failure_and_instant_settlement(kakaclo: Kakaclo) -> None:
    kakaclo.refund("10001", {"remark": "mockrefund:fail mockrefund:instant"})
    entry = kakaclo.query("10001").json()["data"]["list"][0]
    assert entry["refundStatus"] == "refund_failed"
    assert entry["remark"] == "mockrefund:fail mockrefund:instant"


def test_an_order_flag_settles_at_once(kakaclo: Kakaclo) -> None:
    kakaclo.refund("1000000463309", {})
    assert kakaclo.query("1000000463309").json()["data"]["list"][0]["refundStatus"] == (
        "refund_successfully"
    )


def test_query_accepts_a_refund_number_and_refuses_unknown_ids(kakaclo: Kakaclo) -> None:
    kakaclo.refund("10001", SEED_ITEMS)
    kakaclo.refund("10001", {})
    by_number = kakaclo.query("10002").json()["data"]
    assert [e["refundNo"] for e in by_number["list"]] == ["10002"]
    unknown = kakaclo.query("424242")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == 40002


def test_query_pages_newest_first(kakaclo: Kakaclo) -> None:
    for _ in range(3):
        kakaclo.refund("1000000463303", {"orderItems": [{"itemId": "130003", "quantity": 1}]})
    page = kakaclo.query("1000000463303", pageNumber=2, pageSize=2).json()["data"]
    assert (page["total"], page["pageNumber"], page["pageSize"]) == (3, 2, 2)
    assert [e["refundNo"] for e in page["list"]] == ["10002"]


def test_order_list_shape(kakaclo: Kakaclo) -> None:
    data = kakaclo.orders().json()["data"]
    assert set(data) == {
        "vo", "list", "total", "pageNumber", "pageSize", "totalPageNumber", "modifyDate", "nextId",
    }  # fmt: skip
    assert (data["total"], data["pageNumber"], data["pageSize"]) == (9, 1, 10)
    order = kakaclo.order("1000000463304")
    assert order["fulfillmentStatus"] == "partially_shipped"
    assert order["fulfillments"][0]["status"] == "shipped"
    assert kakaclo.order("1000000463305")["fulfillmentStatus"] == "fully_shipped"
    assert kakaclo.order("1000000463306")["status"] == "cancel"
    unpaid = kakaclo.order("1000000463307")
    assert (unpaid["status"], unpaid["financialStatus"]) == ("waiting_payment", "waiting")
    assert kakaclo.order("1000000463310")["refundStatus"] == "partial_refund"


def test_money_is_written_with_four_decimals(kakaclo: Kakaclo) -> None:
    raw = kakaclo.orders(ids="10001").content
    assert b'"finalAmount":59.6900' in raw
    assert b'"amount":12.5000' in raw
    assert Decimal("59.6900") == Decimal(str(kakaclo.order("10001")["finalAmount"]))


def test_order_list_filters_and_pages(kakaclo: Kakaclo) -> None:
    ids = kakaclo.orders(ids="10001, 1000000463303").json()["data"]
    assert sorted(o["id"] for o in ids["list"]) == ["1000000463303", "10001"]
    first = kakaclo.orders(pageSize=4).json()["data"]
    assert (len(first["list"]), first["totalPageNumber"]) == (4, 3)
    second = kakaclo.orders(pageSize=4, pageNumber=2).json()["data"]
    assert second["list"][0]["id"] == first["nextId"]
    window = kakaclo.orders(
        createStartTime="2024-05-03T00:00:00Z", createEndTime="2024-05-03T23:59:59Z"
    ).json()["data"]
    assert sorted(o["id"] for o in window["list"]) == ["1000000463303", "1000000463304"]


@pytest.mark.parametrize(
    "params",
    [{"pageSize": "251"}, {"pageSize": "0"}, {"pageNumber": "0"}, {"pageNumber": "x"},
     {"pageNumber": "2147483648"}, {"pageNumber": "9" * 5000}, {"createStartTime": "yesterday"}],
)  # fmt: skip
def test_bad_query_parameters(kakaclo: Kakaclo, params: dict[str, str]) -> None:
    response = kakaclo.orders(**params)
    assert response.status_code == 400
    assert response.json()["code"] == 20002


def test_the_largest_page_number_a_java_int_holds_is_an_empty_page(kakaclo: Kakaclo) -> None:
    response = kakaclo.orders(pageNumber="2147483647")
    assert response.status_code == 200
    assert response.json()["data"]["list"] == []
    assert kakaclo.query("10001", pageNumber="2147483647").json()["data"]["list"] == []
