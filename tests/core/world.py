"""A tiny world for core tests: one store, orders given inline, a frozen clock."""

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import select

from mockrefund.config import Settings
from mockrefund.core import sandboxes
from mockrefund.core.models import Store
from mockrefund.core.orders import OrderState, load_state, with_refunds
from mockrefund.core.refunds import IdScheme, RefundPolicy, RefundRequest, create
from mockrefund.fixtures.load import parse_fixture_data
from mockrefund.runtime import Runtime

POLICY = RefundPolicy(ids=IdScheme(sequences={"refund": "refund"}, starts={"refund": 500}))
T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def item(ref: str, quantity: int = 2, price: str = "10.00", **extra: Any) -> dict[str, Any]:
    return {"id": ref, "quantity": quantity, "price": price, **extra}


def order(ref: str, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"id": ref, "created_at": "2025-01-01T00:00:00Z", "items": items, **extra}


class World:
    def __init__(self, orders: list[dict[str, Any]], db: str = ":memory:", **settings: Any):
        fixtures = parse_fixture_data(
            {
                "stores": [
                    {
                        "platform": "kakaclo",
                        "handle": "core",
                        "credentials": [{"key": "t"}],
                        "orders": orders,
                    }
                ]
            },
            "inline",
        )
        self.runtime = Runtime(
            Settings(db=db, clock_frozen=True, **settings),  # type: ignore[arg-type]
            fixtures=fixtures,
        )
        self.runtime.start()
        sandboxes.change_clock(self.db, sandboxes.DEFAULT_SANDBOX, lambda s, w: s.set_to(w, T0))
        with self.db.read() as session:
            self.store = session.exec(
                select(Store).where(Store.sandbox_id == sandboxes.DEFAULT_SANDBOX)
            ).one()

    @property
    def db(self) -> Any:
        return self.runtime.db

    def now(self) -> datetime:
        return sandboxes.now(self.db, sandboxes.DEFAULT_SANDBOX)

    def refund(self, order_ref: str, policy: RefundPolicy = POLICY, **request: Any) -> Any:
        return create(
            self.db,
            self.store,
            RefundRequest(order_ref=order_ref, **request),
            policy,
            self.runtime.life,
            self.now(),
        ).refund

    def state(self, order_ref: str) -> OrderState:
        sandboxes.prepare(self.db, sandboxes.DEFAULT_SANDBOX)
        assert self.store.id is not None
        with self.db.read() as session:
            return with_refunds(session, load_state(session, self.store.id, order_ref))

    def advance(self, seconds: float) -> int:
        _, _, settled = sandboxes.change_clock(
            self.db, sandboxes.DEFAULT_SANDBOX, lambda s, w: s.advanced(w, seconds)
        )
        return settled

    def close(self) -> None:
        self.runtime.close()


def amounts(mapping: Mapping[str, str]) -> dict[str, Decimal]:
    return {key: Decimal(value) for key, value in mapping.items()}
