"""GET orders.json — filters, the page_info cursor behind the Link header, order fields."""

import re
from typing import Any

import pytest

from mockrefund.platforms.shopline.listing import OrderFilter, encode_cursor
from tests.platforms.shopline.conftest import (
    CANCELLED_ORDER,
    EURO_ORDER,
    FAILING_ORDER,
    SEED_BODY,
    SEED_ORDER,
    SEED_SLIP,
    SHIPPED_ORDER,
    SLIP_A,
    SLIP_B,
    TWO_SLIPS_ORDER,
    UNPAID_ORDER,
    Shopline,
    assert_error,
)

OPEN_ORDERS = [  # newest first
    UNPAID_ORDER, FAILING_ORDER, TWO_SLIPS_ORDER, EURO_ORDER, SHIPPED_ORDER, SEED_ORDER,
]  # fmt: skip
LINK = re.compile(r'<([^>]+)>; rel="(next|previous)"')


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [order["id"] for order in response.json()["orders"]]


def test_open_orders_newest_first_by_default(shopline: Shopline) -> None:
    response = shopline.orders()
    assert response.headers["traceId"]
    assert "link" not in response.headers
    assert ids(response) == OPEN_ORDERS


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "any"}, [UNPAID_ORDER, CANCELLED_ORDER, *OPEN_ORDERS[1:]]),
        ({"status": "cancelled"}, [CANCELLED_ORDER]),
        ({"ids": f"{SEED_ORDER}, {EURO_ORDER}"}, [EURO_ORDER, SEED_ORDER]),
        ({"financial_status": "unpaid"}, [UNPAID_ORDER]),
        ({"fulfillment_status": "partial"}, [SHIPPED_ORDER]),
        ({"fulfillment_status": "shipped"}, []),
        ({"fulfillment_status": "unshipped"}, [o for o in OPEN_ORDERS if o != SHIPPED_ORDER]),
        ({"since_id": TWO_SLIPS_ORDER}, [UNPAID_ORDER, FAILING_ORDER]),
    ],
)
def test_filters(shopline: Shopline, params: dict[str, str], expected: list[str]) -> None:
    assert ids(shopline.orders(**params)) == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"fulfillment_status": "fulfilled"}, "fulfillment status value is illegal"),
        ({"financial_status": "lost"}, "financial status value is illegal"),
        ({"status": "closed?"}, "status value is illegal"),
        ({"since_id": "abc"}, "since_id must be an order id"),
        ({"limit": "101"}, "limit must be a whole number from 1 to 100"),
        ({"page_info": "not-a-cursor"}, "page_info is invalid"),
        ({"page_info": encode_cursor(OrderFilter(status="weird"), 0)}, "page_info is invalid"),
        ({"page_info": encode_cursor(OrderFilter(), -4)}, "page_info is invalid"),
        ({"ids": ",".join(str(n) for n in range(101))}, "ids takes at most 100 order ids"),
    ],
)
def test_bad_query_parameters(shopline: Shopline, params: dict[str, str], message: str) -> None:
    assert_error(shopline.orders(**params), 400, message)


def links(response: Any) -> dict[str, str]:
    return {rel: url for url, rel in LINK.findall(response.headers.get("link", ""))}


def test_pages_follow_the_link_header(shopline: Shopline) -> None:
    seen: list[str] = []
    response = shopline.orders(limit=4, status="any")
    assert set(links(response)) == {"next"}
    seen += ids(response)
    following = links(response)["next"]
    assert "limit=4&page_info=" in following
    response = shopline.client.get(
        following, headers={"Authorization": "Bearer shopline-test-token"}
    )
    seen += ids(response)
    assert set(links(response)) == {"previous"}
    assert seen == [UNPAID_ORDER, CANCELLED_ORDER, *OPEN_ORDERS[1:]]
    back = shopline.client.get(
        links(response)["previous"], headers={"Authorization": "Bearer shopline-test-token"}
    )
    assert ids(back) == seen[:4]


def test_the_cursor_keeps_the_filters(shopline: Shopline) -> None:
    first = shopline.orders(limit=1, fulfillment_status="unshipped", financial_status="paid")
    second = shopline.client.get(
        links(first)["next"], headers={"Authorization": "Bearer shopline-test-token"}
    )
    assert ids(first) + ids(second) == [FAILING_ORDER, TWO_SLIPS_ORDER]


def test_an_order_as_shopline_shows_it(shopline: Shopline) -> None:
    order = shopline.order(SHIPPED_ORDER)
    assert (order["status"], order["financial_status"], order["fulfillment_status"]) == (
        "open",
        "paid",
        "partial",
    )
    assert (order["total_price"], order["total_outstanding"], order["name"]) == (
        "123.56",
        "0.00",
        "#1002",
    )
    items = [
        (i["id"], i["quantity"], i["fulfillable_quantity"], i["fulfillment_status"])
        for i in order["line_items"]
    ]
    assert items == [(701, 2, 0, "fulfilled"), (702, 3, 2, "partial"), (703, 1, 1, None)]
    assert order["shipping_lines"][0]["price"] == "8.00"
    assert order["payment_details"] == [
        {
            "pay_seq": "23057520029306658561302512",
            "pay_status": "paid",
            "pay_channel": "Paypal",
            "pay_amount": "123.56",
            "settle_currency": "USD",
        }
    ]
    assert shopline.order(CANCELLED_ORDER)["status"] == "cancelled"


def test_financial_status_moves_with_refunds(shopline: Shopline) -> None:
    def refund(slip: str, amount: str) -> None:
        body = {"order_id": TWO_SLIPS_ORDER, "transactions": [{"id": slip, "amount": amount}]}
        assert shopline.refund(body).status_code == 200

    assert TWO_SLIPS_ORDER in ids(shopline.orders(financial_status="paid"))
    refund(SLIP_A, "30.00")
    assert shopline.order(TWO_SLIPS_ORDER)["financial_status"] == "partially_refunded"
    assert ids(shopline.orders(financial_status="partially_refunded")) == [TWO_SLIPS_ORDER]
    assert TWO_SLIPS_ORDER not in ids(shopline.orders(financial_status="paid"))
    refund(SLIP_B, "36.00")
    assert shopline.order(TWO_SLIPS_ORDER)["financial_status"] == "refunded"
    assert ids(shopline.orders(financial_status="refunded")) == [TWO_SLIPS_ORDER]
    shopline.advance(86400)
    assert shopline.order(TWO_SLIPS_ORDER)["financial_status"] == "refunded"


def test_an_orders_refunds_are_embedded(shopline: Shopline) -> None:
    shopline.refund(SEED_BODY)
    order = shopline.order(SEED_ORDER)
    (refund,) = order["refunds"]
    assert refund["transactions"][0]["parent_id"] == SEED_SLIP
    assert order["line_items"][0]["fulfillable_quantity"] == 1
