"""Generated fixture sets and the requests the benchmark sends against them.

The default fixtures are kept as they are (credentials, seed orders, sequences), so every
request path of the docs still works; each platform's default store gets `orders` more
orders, each already partly refunded, so queries find refunds and creates still succeed.
The JSON is written directly, without the validation models: 100,000 orders take seconds.

Every id of generated order number `i` is a fixed prefix and suffix around `i` written in
7 digits (the `{i}` below), so a request template names any order, item or payment slip
by text substitution alone: Python fills it in here, and bench/load.lua does the same
inside wrk.
"""

import json
from pathlib import Path
from typing import NamedTuple

DEFAULT_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "default"
DEFAULT_STORES = {"kakaclo": "kakaclo-demo", "shopline": "open001", "woocommerce": "woo-demo"}


def fill(template: str, i: int) -> str:
    return template.replace("{i}", f"{i:07d}")


class Request(NamedTuple):
    method: str
    path: str
    body: str | None
    headers: dict[str, str]


KAKACLO_AUTH = {"Authorization": "Bearer kakaclo-test-token"}
JSON = {"Content-Type": "application/json"}
# ck_mockrefund_test:cs_mockrefund_test, the read_write key of woo-demo.
WOO_AUTH = {"Authorization": "Basic Y2tfbW9ja3JlZnVuZF90ZXN0OmNzX21vY2tyZWZ1bmRfdGVzdA=="}

# The four measured calls, (a) to (d) of the issue. Creates refund one unit of the first
# item, which every generated order still has (one of its three units is refunded).
REQUESTS = {
    "kakaclo_query": Request(
        "GET", "/openapi/v2/order/orders/refund/200000{i}", None, KAKACLO_AUTH
    ),
    "kakaclo_create": Request(
        "POST",
        "/openapi/v2/order/orders/200000{i}/refund",
        '{"orderItems":[{"itemId":"3{i}0","skuCode":"BENCH-{i}-A","quantity":1}]}',
        KAKACLO_AUTH | JSON,
    ),
    "shopline_create": Request(
        "POST",
        "/admin/openapi/v20220901/order/refund.json",
        '{"order_id":"2105752002929843770{i}","note":"bench","refund_line_items":'
        '[{"line_item_id":4{i}0,"quantity":1,"type":"Unshipped"}],'
        '"transactions":[{"id":"2305752002930665850{i}","amount":"16.20"}]}',
        {"Authorization": "Bearer shopline-test-token"}
        | {"Content-Type": "application/json; charset=utf-8"},
    ),
    "woocommerce_list": Request("GET", "/wc-api/v3/orders/1{i}/refunds", None, WOO_AUTH),
}


def kakaclo_order(i: int, refunds: int = 1) -> dict:
    """Generated Kakaclo order `i`, with `refunds` refunds of one unit of its first item
    (and as many units again left to refund when there are more than one)."""
    first = fill("3{i}0", i)
    history = [
        {"id": f"6{i:07d}{n:05d}", "created_at": _time(i, hour=12), "amount": "12.5000",
         "lines": [{"item": first, "quantity": 1, "amount": "12.5000"}]}
        for n in range(1, refunds)
    ]  # fmt: skip
    return {
        "id": fill("200000{i}", i),
        "created_at": _time(i),
        "shipping": "4.9900",
        "attributes": {"customOrderId": fill("BENCH-{i}", i), "warehouseId": 13},
        "items": [
            {"id": first, "sku": fill("BENCH-{i}-A", i), "name": "Tee - Red / M",
             "quantity": 3 if refunds == 1 else 2 * refunds, "price": "12.5000"},
            {"id": fill("3{i}1", i), "sku": fill("BENCH-{i}-B", i), "name": "Socks",
             "quantity": 2, "price": "4.2000"},
        ],
        "refunds": [
            {"id": fill("5{i}", i), "created_at": _time(i, hour=12), "amount": "12.5000",
             "lines": [{"item": first, "quantity": 1, "amount": "12.5000"}]},
            *history,
        ],
    }  # fmt: skip


def shopline_order(i: int) -> dict:
    first = fill("4{i}0", i)
    return {
        "id": fill("2105752002929843770{i}", i),
        "number": fill("9{i}", i),
        "created_at": _time(i),
        "shipping": "5.00",
        "items": [
            {"id": first, "sku": "SL-TEE-M", "name": "Classic Tee - M", "quantity": 3,
             "price": "15.00", "tax": "3.60", "location_id": "5409714787218633772"},
            {"id": fill("4{i}1", i), "sku": "SL-CAP", "name": "Canvas Cap", "quantity": 1,
             "price": "12.00", "location_id": "5409714787218633772"},
        ],
        "payments": [{"id": fill("2305752002930665850{i}", i), "gateway": "Paypal",
                      "amount": "65.60"}],
        # Ids above the store's refund sequence (105241861...), so creates never collide.
        "refunds": [
            {"id": fill("26057558700745{i}0", i), "created_at": _time(i, hour=12),
             "amount": "16.20", "lines": [{"item": first, "id": fill("6{i}0", i),
                                           "quantity": 1, "amount": "15.00", "tax": "1.20"}]},
        ],
    }  # fmt: skip


def woocommerce_order(i: int) -> dict:
    item = int(fill("3{i}", i))
    return {
        "id": int(fill("1{i}", i)),
        "number": fill("1{i}", i),
        "status": "processing",
        "created_at": _time(i),
        "shipping": "5.00",
        "gateway": "stripe",
        "items": [{"id": item, "name": "Woo Album", "product_id": 546, "quantity": 3,
                   "price": "9.00"}],
        "payments": [{"id": fill("1{i}-stripe", i), "gateway": "stripe",
                      "title": "Credit Card (Stripe)"}],
        "refunds": [
            {"id": int(fill("9{i}0", i)), "created_at": _time(i, hour=12), "amount": "9.00",
             "reason": "damaged", "lines": [{"item": item, "id": int(fill("9{i}1", i)),
                                             "quantity": 1, "amount": "9.00"}]},
        ],
    }  # fmt: skip


GENERATORS = {
    "kakaclo": kakaclo_order,
    "shopline": shopline_order,
    "woocommerce": woocommerce_order,
}


def write_fixtures(
    folder: Path, orders: int, platforms: tuple[str, ...] = tuple(GENERATORS), history: int = 0
) -> Path:
    """Write the default fixtures plus `orders` generated orders in the default store of
    each named platform into `folder`, one file per platform as in fixtures/default.
    With `history`, Kakaclo's store also gets order number `orders` with that many
    refunds already."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted(DEFAULT_FIXTURES.glob("*.json")):
        document = json.loads(source.read_text())
        for store in document["stores"]:
            platform = store["platform"]
            if platform in platforms and store["handle"] == DEFAULT_STORES[platform]:
                store["orders"].extend(map(GENERATORS[platform], range(orders)))
                if platform == "kakaclo" and history:
                    store["orders"].append(kakaclo_order(orders, history))
        (folder / source.name).write_text(json.dumps(document, separators=(",", ":")))
    return folder


def _time(i: int, hour: int = 9) -> str:
    # Spread over a year so that "newest first" listings have something to sort.
    return f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{hour:02d}:{i % 60:02d}:00Z"
