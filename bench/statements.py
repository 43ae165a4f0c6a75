"""SQL statements per request, counted in-process as the suite's statement budgets count
them (tests/core/statement_costs.py): an engine event listener on a TestClient app, the
read cache off, so every request does its full work.

    python bench/statements.py

bench/run.py reports these against the targets; on its own, it prints them.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests package, where the counting lives

from tests.core.statement_costs import CALLS, call_cost, sandbox_create_cost  # noqa: E402
from tests.core.test_growth import PLATFORMS  # noqa: E402


def count_statements() -> dict[str, tuple[int, int]]:
    """(statements, transactions) per "platform call", and for "sandbox create"."""
    costs = {f"{platform} {call}": call_cost(platform, call)
             for platform in PLATFORMS for call in CALLS}  # fmt: skip
    costs["sandbox create"] = sandbox_create_cost()
    return {name: (cost.statements, cost.transactions) for name, cost in costs.items()}


if __name__ == "__main__":
    for name, (statements, transactions) in count_statements().items():
        print(f"{name}: {statements} statements in {transactions} transactions")
