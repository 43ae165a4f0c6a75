"""Bodies with one field set to a raw JSON token, and the tokens that abuse each kind of field."""

import copy
import json
from typing import Any

from tests.abuse.platforms import ENDPOINTS, Endpoint

_MARK = "\x00value\x00"
LONG = 10_000


def with_token(body: dict[str, Any], where: tuple[str | int, ...], token: str) -> bytes:
    """The body as JSON text, with the field at `where` written as `token`, verbatim."""
    changed = copy.deepcopy(body)
    parent: Any = changed
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = _MARK
    return json.dumps(changed).replace(json.dumps(_MARK), token).encode()


def endpoint(platform: str, method: str, end: str) -> Endpoint:
    """The endpoint's canonical route (Kakaclo serves each under four prefixes)."""
    return next(
        e
        for e in ENDPOINTS
        if (e.platform, e.method) == (platform, method)
        and e.template.endswith(end)
        and not e.template.startswith(("/openapi/openapi/", "/openapi/v1/"))
    )


# Where each kind of value goes, endpoint by endpoint.
KAKACLO_REFUND = endpoint("kakaclo", "POST", "/refund")
KAKACLO_CREATE = endpoint("kakaclo", "POST", "/orders")
SHOPLINE_REFUND = endpoint("shopline", "POST", "/refund.json")
SHOPLINE_TRIAL = endpoint("shopline", "POST", "/calculate.json")
WOO_CREATE = endpoint("woocommerce", "POST", "/refunds")
WOO_EDIT = endpoint("woocommerce", "PUT", "/{refund_id}")
WOO_LINE = ("order_refund", "line_items", "504")

NUMBER_FIELDS: list[tuple[Endpoint, tuple[str | int, ...]]] = [
    (KAKACLO_REFUND, ("orderItems", 0, "quantity")),
    (KAKACLO_CREATE, ("orderItemsList", 0, "quantity")),
    (SHOPLINE_REFUND, ("transactions", 0, "amount")),
    (SHOPLINE_REFUND, ("refund_line_items", 0, "quantity")),
    (SHOPLINE_REFUND, ("shipping", "amount")),
    (SHOPLINE_TRIAL, ("refund_line_items", 0, "quantity")),
    (SHOPLINE_TRIAL, ("shipping", "amount")),
    (WOO_CREATE, ("order_refund", "amount")),
    (WOO_CREATE, (*WOO_LINE, "qty")),
    (WOO_CREATE, (*WOO_LINE, "refund_total")),
    (WOO_CREATE, (*WOO_LINE, "refund_tax", 0)),
    (WOO_EDIT, ("order_refund", "amount")),
]
TEXT_FIELDS: list[tuple[Endpoint, tuple[str | int, ...]]] = [
    (KAKACLO_REFUND, ("remark",)),
    (KAKACLO_REFUND, ("refundReason",)),
    (KAKACLO_CREATE, ("remark",)),
    (KAKACLO_CREATE, ("channelType",)),
    (KAKACLO_CREATE, ("orderAddresses", "zip")),
    (SHOPLINE_REFUND, ("note",)),
    (SHOPLINE_REFUND, ("transactions", 0, "gateway")),
    (WOO_CREATE, ("order_refund", "reason")),
    (WOO_EDIT, ("order_refund", "reason")),
]
ID_FIELDS: list[tuple[Endpoint, tuple[str | int, ...]]] = [
    (KAKACLO_REFUND, ("orderItems", 0, "itemId")),
    (KAKACLO_CREATE, ("orderItemsList", 0, "sku")),
    (SHOPLINE_REFUND, ("order_id",)),
    (SHOPLINE_REFUND, ("refund_line_items", 0, "line_item_id")),
    (SHOPLINE_REFUND, ("refund_line_items", 0, "location_id")),
    (SHOPLINE_REFUND, ("transactions", 0, "id")),
    (SHOPLINE_TRIAL, ("refund_line_items", 0, "line_item_id")),
]

NUMBERS = [
    "1e309", "-1e309", "1E+400", "18446744073709551616", "-18446744073709551616", "-0", "-0.0",
    "1e-400", "1e999999999", "0.1e-999999999", "1" + "0" * 5000, "0." + "1" * 5000,
]  # fmt: skip
STRINGS_FOR_NUMBERS = [
    '"many"', '""', '"1e309"', '"1e999999999"', '"0.1e-999999999"', '"NaN"', '"-Infinity"',
    '"18446744073709551616"', '"-0"', f'"{"9" * LONG}"', "true", "null", "[]", "{}", '[1]', '{"n": 1}',
]  # fmt: skip
NUMBERS_FOR_STRINGS = ["12345", "1e309", "-0", "true", "[]", "{}", '["x"]', '{"a": "b"}']
LONG_IDS = [f'"{"9" * LONG}"', f'"{"x" * LONG}"', "9" * LONG, f'"{"9" * 30}"', '"-1"', '"0"', '" "']
