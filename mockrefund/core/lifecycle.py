"""The pending → final lifecycle of a refund.

A refund is written with its scheduled transition as data (`outcome`, `settles_at`).
Settling is one conditional UPDATE — "pending and due → outcome" — so whoever runs it
(the background sweep, a read, a clock advance) can never settle a refund twice, and
several processes may run it at once.

How an outcome is forced, strongest first:
1. magic words in the refund's free text (Kakaclo `remark`, SHOPLINE `note`,
   WooCommerce `reason`): `mockrefund:fail`, `mockrefund:succeed`,
   `mockrefund:instant`, `mockrefund:delay=SECONDS`;
2. the order's fixture flags `refund_outcome` and `refund_settle_seconds`;
3. otherwise success, after a delay drawn from the `settle_delay` setting.
"""

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from mockrefund.core.models import Order, Refund, RefundStatus

MAGIC = re.compile(r"mockrefund:(fail|succeed|instant|delay=(\d{1,9}))", re.IGNORECASE)
DAY = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Settlement:
    outcome: RefundStatus
    settles_at: datetime


@dataclass(frozen=True, slots=True)
class DelayPolicy:
    """Parsed `settle_delay`: 'realistic', 'N' seconds, or a 'MIN-MAX' range."""

    low: float | None = None
    high: float | None = None

    @classmethod
    def parse(cls, spec: str) -> "DelayPolicy":
        spec = spec.strip()
        if spec == "realistic":
            return cls()
        if "-" in spec:
            low, high = (float(part) for part in spec.split("-", 1))
            return cls(low, high)
        return cls(float(spec), float(spec))

    def draw(self, seed: int, key: str) -> float:
        """Seconds until a refund settles; the same seed and key always give the same."""
        rng = random.Random(f"{seed}:{key}")
        if self.low is not None and self.high is not None:
            return min(rng.uniform(self.low, self.high), DAY)
        # Kakaclo: "generally within 1 hour", "a maximum of 24 hours".
        roll = rng.random()
        if roll < 0.85:
            return rng.uniform(30, 3600)
        if roll < 0.97:
            return rng.uniform(3600, 6 * 3600)
        return rng.uniform(6 * 3600, DAY)


def plan(
    order: Order,
    texts: Iterable[str],
    delays: DelayPolicy,
    seed: int,
    key: str,
    now: datetime,
) -> Settlement:
    outcome = RefundStatus(order.refund_outcome or RefundStatus.SUCCEEDED)
    delay: float | None = (
        float(order.refund_settle_seconds) if order.refund_settle_seconds is not None else None
    )
    for text in texts:
        for match in MAGIC.finditer(text or ""):
            word = match.group(1).lower()
            if word == "fail":
                outcome = RefundStatus.FAILED
            elif word == "succeed":
                outcome = RefundStatus.SUCCEEDED
            elif word == "instant":
                delay = 0.0
            else:
                delay = min(float(match.group(2)), DAY)
    if delay is None:
        delay = delays.draw(seed, key)
    return Settlement(outcome, now + timedelta(seconds=delay))


def settle_due(session: Session, sandbox_id: str, now: datetime) -> int:
    """Apply every transition of the sandbox that is due at `now`; returns how many."""
    result = session.execute(
        update(Refund)
        .where(
            col(Refund.sandbox_id) == sandbox_id,
            col(Refund.status) == RefundStatus.PENDING,
            col(Refund.settles_at) <= now,
        )
        .values(
            status=col(Refund.outcome),
            settled_at=col(Refund.settles_at),
            updated_at=col(Refund.settles_at),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def has_due(session: Session, sandbox_id: str, now: datetime) -> bool:
    """Cheap indexed probe, so reads take the write lock only when there is work."""
    return (
        session.exec(
            select(Refund.id)
            .where(
                Refund.sandbox_id == sandbox_id,
                Refund.status == RefundStatus.PENDING,
                col(Refund.settles_at) <= now,
            )
            .limit(1)
        ).first()
        is not None
    )


def sandboxes_with_pending(session: Session) -> list[str]:
    return list(
        session.exec(
            select(Refund.sandbox_id).where(Refund.status == RefundStatus.PENDING).distinct()
        )
    )
