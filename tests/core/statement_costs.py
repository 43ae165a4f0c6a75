"""What one call costs in SQL: the statements an engine event sees through the whole
request, with the read cache off so that every request does its full work (as on
PostgreSQL, where the cache is always off). Transaction control (`BEGIN`) is counted
apart from the statements that do the work.

Shared by the statement budgets (tests/core/test_statement_counts.py) and the
benchmark's report (bench/statements.py), so both count alike.
"""

from collections.abc import Callable
from dataclasses import dataclass

from fastapi.testclient import TestClient

from mockrefund.app import create_app
from tests.conftest import make_settings
from tests.core.test_growth import PLATFORMS, SETTLE_ALL, Statements

CALLS = ("create", "query")


@dataclass(frozen=True)
class Cost:
    statements: int
    transactions: int

    @classmethod
    def of(cls, seen: list[str]) -> "Cost":
        begins = sum(1 for s in seen if s.upper().startswith("BEGIN"))
        return cls(len(seen) - begins, begins)


def _cost(client: TestClient, call: Callable[[], object]) -> Cost:
    return Cost.of(Statements(client).recording(call))


def call_cost(platform: str, call: str) -> Cost:
    """A create of one unit, or a query of one settled refund, on an order that has a
    settled refund already."""
    spec = PLATFORMS[platform]
    with TestClient(create_app(make_settings(read_cache=False))) as client:
        added = client.post("/__admin/orders", json={"platform": platform, "order": spec.order})
        assert added.status_code == 201, added.text
        spec.refund(client)  # an order with history, settled
        client.post("/__admin/clock/advance", json={"seconds": SETTLE_ALL})
        if call == "create":
            return _cost(client, lambda: spec.refund(client))
        refund = spec.refund(client)
        client.post("/__admin/clock/advance", json={"seconds": SETTLE_ALL})
        return _cost(client, lambda: spec.read(client, refund).raise_for_status())


def sandbox_create_cost() -> Cost:
    """A sandbox create once the default fixtures' template exists."""
    with TestClient(create_app(make_settings(read_cache=False))) as client:
        client.post("/__admin/sandboxes", json={}).raise_for_status()  # the template exists
        return _cost(client, lambda: client.post("/__admin/sandboxes", json={}).raise_for_status())
