"""What a request costs in SQL, counted: a budget per call that a change may lower but
not raise without saying so here.

Counted with an engine event through the whole request (faults, sandbox, credential,
the platform's work, the journal), with the read cache off: every request then does
its full work, as on PostgreSQL, where the cache is always off. Transaction control
(`BEGIN`) is counted apart from the statements that do the work.

The budgets are today's figures. The targets the benchmark reports against are lower
(create 8, query 3, sandbox create 15 statements); bench/RESULTS.md says where each
stands.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from mockrefund.app import create_app
from tests.conftest import make_settings
from tests.core.test_growth import PLATFORMS, SETTLE_ALL, Statements


@dataclass(frozen=True)
class Budget:
    statements: int
    transactions: int


# (platform, call) -> at most this much.
BUDGETS = {
    ("kakaclo", "create"): Budget(statements=13, transactions=3),
    ("kakaclo", "query"): Budget(statements=11, transactions=4),
    ("shopline", "create"): Budget(statements=20, transactions=4),
    ("shopline", "query"): Budget(statements=10, transactions=4),
    ("woocommerce", "create"): Budget(statements=14, transactions=3),
    ("woocommerce", "query"): Budget(statements=10, transactions=4),
}
SANDBOX_CREATE = Budget(statements=16, transactions=2)


@dataclass(frozen=True)
class Cost:
    statements: int
    transactions: int

    @classmethod
    def of(cls, seen: list[str]) -> "Cost":
        begins = sum(1 for s in seen if s.upper().startswith("BEGIN"))
        return cls(len(seen) - begins, begins)

    def within(self, budget: Budget) -> bool:
        return self.statements <= budget.statements and self.transactions <= budget.transactions


def _cost(client: TestClient, call: Callable[[], object]) -> Cost:
    return Cost.of(Statements(client).recording(call))


@pytest.mark.parametrize(("platform", "call"), sorted(BUDGETS))
def test_a_call_stays_within_its_statement_budget(platform: str, call: str) -> None:
    spec = PLATFORMS[platform]
    with TestClient(create_app(make_settings(read_cache=False))) as client:
        added = client.post("/__admin/orders", json={"platform": platform, "order": spec.order})
        assert added.status_code == 201, added.text
        spec.refund(client)  # an order with history, settled
        client.post("/__admin/clock/advance", json={"seconds": SETTLE_ALL})
        if call == "create":
            cost = _cost(client, lambda: spec.refund(client))
        else:
            refund = spec.refund(client)
            client.post("/__admin/clock/advance", json={"seconds": SETTLE_ALL})
            cost = _cost(client, lambda: spec.read(client, refund).raise_for_status())
    budget = BUDGETS[platform, call]
    assert cost.within(budget), f"{platform} {call}: {cost}, budget {budget}"


def test_a_sandbox_create_stays_within_its_statement_budget() -> None:
    with TestClient(create_app(make_settings(read_cache=False))) as client:
        client.post("/__admin/sandboxes", json={}).raise_for_status()  # the template exists
        cost = _cost(client, lambda: client.post("/__admin/sandboxes", json={}).raise_for_status())
    assert cost.within(SANDBOX_CREATE), f"sandbox create: {cost}, budget {SANDBOX_CREATE}"
