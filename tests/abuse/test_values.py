"""Values of the wrong kind in each field: numbers past any range (1e309, 2^64, -0,
1e-400, exponents of a billion), strings where numbers belong and the reverse, ids of
10,000 characters. Refused in the platform's format with nothing changed, or, where the
platform reads the value (a zero amount, PHP's reading of a non-number), accepted."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.abuse.conftest import fresh_client, reset
from tests.abuse.platforms import Endpoint, assert_refused, assert_success, state
from tests.abuse.values import (
    ID_FIELDS,
    KAKACLO_CREATE,
    KAKACLO_REFUND,
    LONG,
    LONG_IDS,
    NUMBER_FIELDS,
    NUMBERS,
    NUMBERS_FOR_STRINGS,
    SHOPLINE_REFUND,
    SHOPLINE_TRIAL,
    STRINGS_FOR_NUMBERS,
    TEXT_FIELDS,
    WOO_CREATE,
    WOO_EDIT,
    WOO_LINE,
    with_token,
)

Where = tuple[str | int, ...]
ZERO = {"-0", "-0.0", '"-0"'}
NOT_A_NUMBER = {
    '"many"',
    '""',
    '"NaN"',
    '"-Infinity"',
    "true",
    "null",
    "[]",
    "{}",
    "[1]",
    '{"n": 1}',
}
ROUNDS_TO_ZERO = {"1e-400", '"0.1e-999999999"'}
NOT_ABOVE_ZERO = ZERO | NOT_A_NUMBER | ROUNDS_TO_ZERO | {"-1e309", "-18446744073709551616"}
# What each platform accepts; every other value must be refused.
ACCEPTED: dict[tuple[Endpoint, Where], set[str]] = {
    # SHOPLINE: a refund may send back 0.00, and shipping may be left out.
    (SHOPLINE_REFUND, ("transactions", 0, "amount")): ZERO,
    (SHOPLINE_REFUND, ("shipping", "amount")): ZERO | {"null"},
    (SHOPLINE_TRIAL, ("shipping", "amount")): ZERO | {"null"},
    # WooCommerce: amounts are rounded to cents, and 0 is a valid amount.
    (WOO_CREATE, ("order_refund", "amount")): ZERO | ROUNDS_TO_ZERO,
    # Line values are read as PHP reads them: a non-number is 0, and an empty line skipped.
    (WOO_CREATE, (*WOO_LINE, "qty")): ZERO | NOT_A_NUMBER,
    (WOO_CREATE, (*WOO_LINE, "refund_total")): ZERO | NOT_A_NUMBER | ROUNDS_TO_ZERO,
    (WOO_CREATE, (*WOO_LINE, "refund_tax", 0)): ZERO | NOT_A_NUMBER | ROUNDS_TO_ZERO,
    # An update changes the amount only when it is above 0 (rounding comes after).
    (WOO_EDIT, ("order_refund", "amount")): NOT_ABOVE_ZERO,
    # WooCommerce's reason is any text; whatever is sent is written as text.
    (WOO_CREATE, ("order_refund", "reason")): set(NUMBERS_FOR_STRINGS),
    (WOO_EDIT, ("order_refund", "reason")): set(NUMBERS_FOR_STRINGS),
    # Kakaclo's address parts are text; a number is read as its digits (a zip code of 0).
    (KAKACLO_CREATE, ("orderAddresses", "zip")): {"12345", "-0"},
    # SHOPLINE does not check a line's location.
    (SHOPLINE_REFUND, ("refund_line_items", 0, "location_id")): {f'"{"9" * 30}"', '"-1"', '"0"'},
}


def _cases(fields: list[tuple[Endpoint, Where]], tokens: list[str]) -> list[Any]:
    return [
        pytest.param(
            endpoint, where, token, id=f"{endpoint.name} {'.'.join(map(str, where))} = {token[:24]}"
        )
        for endpoint, where in fields
        for token in tokens
    ]


CASES = [
    *_cases(NUMBER_FIELDS, NUMBERS + STRINGS_FOR_NUMBERS),
    *_cases(TEXT_FIELDS, NUMBERS_FOR_STRINGS),
    *_cases(ID_FIELDS, LONG_IDS),
]


def _body(endpoint: Endpoint) -> dict[str, Any]:
    body = endpoint.body
    assert body is not None
    if endpoint is WOO_EDIT:
        return {"order_refund": {"amount": "1.00"}}  # no reason: an ignored amount changes nothing
    return body


@pytest.mark.parametrize(("endpoint", "where", "token"), CASES)
def test_a_value_of_the_wrong_kind(
    shared: TestClient, endpoint: Endpoint, where: Where, token: str
) -> None:
    raw = with_token(_body(endpoint), where, token)
    if token in ACCEPTED.get((endpoint, where), ()):
        assert_success(endpoint, endpoint.request(reset(shared), content=raw))
        return
    before = state(shared, endpoint.platform)
    assert_refused(endpoint, endpoint.request(shared, content=raw))
    assert state(shared, endpoint.platform) == before


def test_every_accepted_value_is_one_of_the_cases() -> None:
    listed = {(e, w, t) for e, w, t in (case.values for case in CASES)}
    for (endpoint, where), tokens in ACCEPTED.items():
        assert {(endpoint, where, t) for t in tokens} <= listed, (endpoint.name, where)


@pytest.mark.parametrize(
    ("token", "amount"),
    [
        ("-0", "0.00"),
        ("1e-400", "0.00"),
        ('"0.004"', "0.00"),
        ('"0.005"', "0.01"),
        ("18446744073709551616e-20", "0.18"),
    ],
)
def test_woocommerce_reads_odd_numbers_as_the_numbers_they_are(
    client: TestClient, token: str, amount: str
) -> None:
    body = with_token({"order_refund": {"amount": 0}}, ("order_refund", "amount"), token)
    created = assert_success(WOO_CREATE, WOO_CREATE.request(client, content=body))
    assert created["order_refund"]["amount"] == amount


def test_a_huge_amount_is_too_much_not_a_crash(shared: TestClient) -> None:
    for token in ("1e309", "18446744073709551616", '"1e999999999"', f'"{"9" * LONG}"'):
        body = with_token({"order_refund": {"amount": 0}}, ("order_refund", "amount"), token)
        response = WOO_CREATE.request(shared, content=body)
        assert_refused(WOO_CREATE, response, 400)
        assert response.json()["errors"][0]["code"] == "woocommerce_api_cannot_create_order_refund"


@pytest.mark.parametrize(
    "endpoint",
    [
        pytest.param(e, id=e.name)
        for e in (
            KAKACLO_REFUND,
            KAKACLO_CREATE,
            SHOPLINE_REFUND,
            SHOPLINE_TRIAL,
            WOO_CREATE,
            WOO_EDIT,
        )
    ],
)
def test_unknown_fields_are_ignored(endpoint: Endpoint) -> None:
    """The same answer and the same state as without them, even for fields named like the
    ones the server sets (ids, statuses, the sandbox)."""
    body = _body(endpoint)
    stray = {"id": "1", "status": "refunded", "refundNo": "1", "sandbox_id": "other",
             "created_at": "2001-01-01T00:00:00Z", "__proto__": {"admin": True}, "x" * 1000: [1]}  # fmt: skip
    polluted = _with_stray_fields(body, stray)
    answers = []
    for sent in (body, polluted):
        with fresh_client() as client:
            # One moment for both apps, so that their answers can be compared whole.
            client.post("/__admin/clock/set", json={"at": "2030-01-01T00:00:00Z"})
            response = endpoint.request(client, content=json.dumps(sent).encode())
            answers.append(
                (response.status_code, response.json(), state(client, endpoint.platform))
            )
    assert answers[0][0] in (200, 201)
    assert answers[1] == answers[0]


def _with_stray_fields(value: Any, stray: dict[str, Any]) -> Any:
    """Stray fields in every object of the body, at every level."""
    if isinstance(value, dict):
        return {**stray, **{k: _with_stray_fields(v, stray) for k, v in value.items()}}
    if isinstance(value, list):
        return [_with_stray_fields(item, stray) for item in value]
    return value
