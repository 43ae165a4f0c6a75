"""Every SHOPLINE answer of the mock, in the API versions v20251201 and v20260301, checked
against the types that SHOPLINE's official Go SDK decodes for that version (the schemas
beside this file; docs/shopline.md says where their facts come from).

Go's decoder fails a whole answer on one field of the wrong JSON type, so each violation
below is a call that succeeded on the mock and fails in the SDK's caller. The refunds are
checked in each state they go through: just created (transactions `pending`), settled
(`success`, after the mock clock moved on), failed (forced from the control plane), and a
partial refund (one unit of one line, over an order paid through two slips); then every
order of the store with its refunds, page by page, and the error answers.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.contracts.shopline.schemas import VERSIONS, validate
from tests.platforms.shopline.conftest import (
    AUTH,
    HEADERS,
    SEED_ORDER,
    SEED_SLIP,
    SHIPPED_ORDER,
    SLIP_A,
    TWO_SLIPS_ORDER,
    UNPAID_ORDER,
)

THREE_DAYS = 86_400 * 3
UNKNOWN_ORDER = "21057520029298437725459999"
UNKNOWN_REFUND = "2605755870074999999999"
ENDPOINTS = ("create_refund", "calculate_refund", "list_refunds", "get_refund", "list_orders")
STATES = ("pending", "settled", "failed", "partial")
LINK_NEXT = re.compile(r'<([^>]+)>; rel="next"')


@dataclass
class Answers:
    """The answers of one run, by the name of the schema each one must meet."""

    by_endpoint: dict[str, list[tuple[str, Response]]] = field(default_factory=dict)

    def add(self, endpoint: str, label: str, response: Response) -> Response:
        self.by_endpoint.setdefault(endpoint, []).append((label, response))
        return response


class Sdk:
    """The calls the SDK makes for one API version, each answer kept for checking."""

    def __init__(self, client: TestClient, version: str) -> None:
        self.client = client
        self.api = f"/admin/openapi/{version}"
        self.answers = Answers()

    def create(self, body: dict[str, Any], label: str = "create") -> dict[str, Any]:
        response = self.client.post(f"{self.api}/order/refund.json", json=body, headers=HEADERS)
        self.answers.add("create_refund", label, response)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    def calculate(self, order_id: str, body: dict[str, Any], label: str = "calculate") -> None:
        url = f"{self.api}/orders/{order_id}/refunds/calculate.json"
        response = self.client.post(url, json=body, headers=HEADERS)
        self.answers.add("calculate_refund", label, response)

    def list_refunds(self, order_id: str, label: str = "list") -> None:
        url = f"{self.api}/orders/{order_id}/refunds.json"
        self.answers.add("list_refunds", label, self.client.get(url, headers=AUTH))

    def get_refund(self, order_id: str, refund_id: str, label: str = "get") -> None:
        url = f"{self.api}/orders/{order_id}/refunds/{refund_id}.json"
        self.answers.add("get_refund", label, self.client.get(url, headers=AUTH))

    def orders(self, label: str = "orders", **params: Any) -> None:
        """Every page, following `Link: <...>; rel="next"` as the SDK's pagination does."""
        response = self.client.get(f"{self.api}/orders.json", headers=AUTH, params=params)
        self.answers.add("list_orders", f"{label} page 1", response)
        page = 1
        while match := LINK_NEXT.search(response.headers.get("link", "")):
            page += 1
            assert page <= 20, "the Link header does not end"
            response = self.client.get(match.group(1), headers=AUTH)
            self.answers.add("list_orders", f"{label} page {page}", response)

    def every_query(self, order_id: str, refund_id: str, label: str) -> None:
        self.list_refunds(order_id, f"list ({label})")
        self.get_refund(order_id, refund_id, f"get ({label})")
        self.orders(f"orders ({label})", ids=order_id, status="any")

    def advance(self, seconds: float) -> None:
        response = self.client.post("/__admin/clock/advance", json={"seconds": seconds})
        assert response.status_code == 200, response.text

    def force(self, outcome: str, order_id: str) -> None:
        body = {"outcome": outcome, "platform": "shopline", "order": order_id, "after_seconds": 0}
        response = self.client.post("/__admin/outcomes", json=body)
        assert response.status_code == 201, response.text


def seed_refund(note: str = "Refund") -> dict[str, Any]:
    """One of the seed order's two units of line 601, 1.23 of shipping, 2.34 sent back."""
    return {
        "order_id": SEED_ORDER,
        "note": note,
        "notify": True,
        "refund_line_items": [
            {
                "line_item_id": 601,
                "location_id": "5409714787218633772",
                "quantity": 1,
                "restock_type": "return",
                "type": "Unshipped",
            }
        ],
        "shipping": {"amount": "1.23"},
        "transactions": [{"id": SEED_SLIP, "amount": "2.34", "kind": "refund", "type": True}],
    }


# The refund trial of what the seed order has left: its other unit and all the shipping left.
SEED_TRIAL = {
    "refund_line_items": [{"line_item_id": "601", "quantity": 1, "type": "Unshipped"}],
    "shipping": {"full_refund": True},
}


def pending(sdk: Sdk) -> None:
    sdk.calculate(SEED_ORDER, SEED_TRIAL, "calculate (before any refund)")
    refund = sdk.create(seed_refund(), "create (pending)")
    sdk.calculate(SEED_ORDER, SEED_TRIAL, "calculate (pending refund)")
    sdk.every_query(SEED_ORDER, refund["id"], "pending")


def settled(sdk: Sdk) -> None:
    refund = sdk.create(seed_refund(), "create (to settle)")
    sdk.advance(THREE_DAYS)
    sdk.calculate(SEED_ORDER, SEED_TRIAL, "calculate (settled refund)")
    sdk.every_query(SEED_ORDER, refund["id"], "settled")


def failed(sdk: Sdk) -> None:
    sdk.force("failed", SEED_ORDER)
    refund = sdk.create(seed_refund(), "create (forced failure)")
    sdk.calculate(SEED_ORDER, SEED_TRIAL, "calculate (failed refund)")
    sdk.every_query(SEED_ORDER, refund["id"], "failed")


def partial(sdk: Sdk) -> None:
    body = {
        "order_id": TWO_SLIPS_ORDER,
        "refund_line_items": [{"line_item_id": 901, "quantity": 1, "type": "Unshipped"}],
        "transactions": [{"id": SLIP_A, "amount": "10.00"}],
    }
    refund = sdk.create(body, "create (one unit of one line)")
    trial = {
        "refund_line_items": [{"line_item_id": "901", "quantity": 3, "type": "Unshipped"}],
        "shipping": {"full_refund": True},
    }
    sdk.calculate(TWO_SLIPS_ORDER, trial, "calculate (over two slips)")
    sdk.every_query(TWO_SLIPS_ORDER, refund["id"], "partial")


SCENARIOS: dict[str, Callable[[Sdk], None]] = {
    "pending": pending,
    "settled": settled,
    "failed": failed,
    "partial": partial,
}


def violations(version: str, endpoint: str, answers: list[tuple[str, Response]]) -> list[str]:
    assert answers, f"no {endpoint} answer was made"
    found = []
    for label, response in answers:
        if response.status_code != 200:
            # Only 200 is success to the SDK: anything else is read as an error body.
            found.append(f"{label}: HTTP {response.status_code}, the SDK takes only 200")
            continue
        found += [f"{label}: {problem}" for problem in validate(version, endpoint, response.json())]
    return found


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("version", VERSIONS)
def test_refund_answers_decode_as_the_sdk_reads_them(
    client: TestClient, version: str, state: str, endpoint: str
) -> None:
    sdk = Sdk(client, version)
    SCENARIOS[state](sdk)
    problems = violations(version, endpoint, sdk.answers.by_endpoint.get(endpoint, []))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_order_with_its_refunds_decodes_as_the_sdk_reads_it(
    client: TestClient, version: str
) -> None:
    """The whole store, three orders a page: a settled refund, a pending one, a failed one
    and a partial one among orders of every kind (shipped, two currencies, two slips,
    cancelled, unpaid)."""
    sdk = Sdk(client, version)
    sdk.create(seed_refund(), "create (to settle)")
    sdk.advance(THREE_DAYS)
    sdk.create(
        {
            "order_id": SHIPPED_ORDER,
            "refund_line_items": [{"line_item_id": 701, "quantity": 1, "type": "Returned"}],
            "transactions": [],
        },
        "create (pending, returned)",
    )
    sdk.force("failed", TWO_SLIPS_ORDER)
    sdk.create(
        {
            "order_id": TWO_SLIPS_ORDER,
            "refund_line_items": [{"line_item_id": 902, "quantity": 1, "type": "Unshipped"}],
            "transactions": [{"id": SLIP_A, "amount": "20.00"}],
        },
        "create (failed)",
    )
    partial(sdk)
    sdk.orders("every order", status="any", limit=3)
    problems = violations(version, "list_orders", sdk.answers.by_endpoint["list_orders"])
    assert not problems, "\n".join(problems)


# --- errors ------------------------------------------------------------------------------

OVER_QUANTITY = [{"line_item_id": 601, "quantity": 3, "type": "Unshipped"}]
ERROR_CASES: dict[str, tuple[int, str, str, dict[str, str], dict[str, Any] | None]] = {
    # name: (status, method, path under the version, headers, body)
    "401 no token (create)": (
        401, "POST", "order/refund.json", {"Content-Type": HEADERS["Content-Type"]},
        {"order_id": SEED_ORDER, "transactions": []},
    ),
    "401 invalid token (list refunds)": (
        401, "GET", f"orders/{SEED_ORDER}/refunds.json",
        {"Authorization": "Bearer not-a-token"}, None,
    ),
    "401 expired token (orders)": (
        401, "GET", "orders.json", {"Authorization": "Bearer shopline-expired-token"}, None,
    ),
    "404 unknown order (create)": (
        404, "POST", "order/refund.json", HEADERS, {"order_id": UNKNOWN_ORDER, "transactions": []},
    ),
    "404 unknown order (calculate)": (
        404, "POST", f"orders/{UNKNOWN_ORDER}/refunds/calculate.json", HEADERS,
        {"refund_line_items": []},
    ),
    "404 unknown order (list refunds)": (
        404, "GET", f"orders/{UNKNOWN_ORDER}/refunds.json", AUTH, None,
    ),
    "404 unknown refund (get refund)": (
        404, "GET", f"orders/{SEED_ORDER}/refunds/{UNKNOWN_REFUND}.json", AUTH, None,
    ),
    "422 more units than ordered (create)": (
        422, "POST", "order/refund.json", HEADERS,
        {"order_id": SEED_ORDER, "refund_line_items": OVER_QUANTITY, "transactions": []},
    ),
    "422 more units than ordered (calculate)": (
        422, "POST", f"orders/{SEED_ORDER}/refunds/calculate.json", HEADERS,
        {"refund_line_items": [{**OVER_QUANTITY[0], "line_item_id": "601"}]},
    ),
    "422 unpaid order (create)": (
        422, "POST", "order/refund.json", HEADERS, {"order_id": UNPAID_ORDER, "transactions": []},
    ),
    "422 another currency (calculate)": (
        422, "POST", f"orders/{SEED_ORDER}/refunds/calculate.json", HEADERS,
        {"currency": "EUR", "refund_line_items": []},
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", ERROR_CASES)
@pytest.mark.parametrize("version", VERSIONS)
def test_error_answers_decode_as_the_sdk_reads_them(
    client: TestClient, version: str, case: str
) -> None:
    status, method, path, headers, body = ERROR_CASES[case]
    url = f"/admin/openapi/{version}/{path}"
    response = client.request(method, url, headers=headers, json=body)
    assert response.status_code == status, response.text
    problems = validate(version, "error", response.json())
    assert not problems, "\n".join(problems)
