"""The pending → final lifecycle of a refund.

A refund is written with its scheduled transition as data (`outcome`, `settles_at`).
Settling is one conditional UPDATE — "pending and due → outcome" — so whoever runs it
(the background sweep, a read, a clock advance) can never settle a refund twice, and
several processes may run it at once. The refunds it settled come back from that same
statement (RETURNING), and their move from pending to the outcome is added to the
running totals in the same transaction (`core.totals.settle`): only what settles is read.

How an outcome is forced, strongest first:
1. magic words in the refund's free text (Kakaclo `remark`, SHOPLINE `note`,
   WooCommerce `reason`): `mockrefund:fail`, `mockrefund:succeed`,
   `mockrefund:instant`, `mockrefund:delay=SECONDS`;
2. an outcome queued through the control plane (`core.outcomes`), which may also say
   "after N status reads" instead of a delay;
3. the order's fixture flags `refund_outcome` and `refund_settle_seconds`;
4. otherwise success, after a delay drawn from the `settle_delay` setting.
"""

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, update
from sqlalchemy import select as sql_select
from sqlmodel import Session, select

from mockrefund.core import totals
from mockrefund.core.models import ForcedOutcome, Order, Refund, RefundStatus
from mockrefund.core.values import table_of, value_of
from mockrefund.db import Database

MAGIC = re.compile(r"mockrefund:(fail|succeed|instant|delay=(\d{1,9}))", re.IGNORECASE)
DAY = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Settlement:
    outcome: RefundStatus
    # When it settles: at a time, or on the read after `after_reads` status reads.
    settles_at: datetime | None
    after_reads: int | None = None


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
    forced: ForcedOutcome | None = None,
) -> Settlement:
    outcome = RefundStatus(order.refund_outcome or RefundStatus.SUCCEEDED)
    delay: float | None = (
        float(order.refund_settle_seconds) if order.refund_settle_seconds is not None else None
    )
    after_reads: int | None = None
    if forced is not None:
        outcome = RefundStatus(forced.outcome)
        if forced.after_reads is not None:
            after_reads, delay = forced.after_reads, None
        elif forced.after_seconds is not None:
            delay = min(forced.after_seconds, DAY)
    for text in texts:
        for match in MAGIC.finditer(text or ""):
            word = match.group(1).lower()
            if word == "fail":
                outcome = RefundStatus.FAILED
            elif word == "succeed":
                outcome = RefundStatus.SUCCEEDED
            elif word == "instant":
                delay, after_reads = 0.0, None
            else:
                delay, after_reads = min(float(match.group(2)), DAY), None
    if after_reads is not None:
        return Settlement(outcome, None, after_reads)
    if delay is None:
        delay = delays.draw(seed, key)
    return Settlement(outcome, now + timedelta(seconds=delay))


def settle_due(session: Session, sandbox_id: str, now: datetime) -> int:
    """Apply every transition of the sandbox that is due at `now`; returns how many."""
    conn = session.connection()
    settled = [
        value_of(Refund, row)
        for row in conn.execute(_SETTLE, {"in_sandbox": sandbox_id, "now": now})
    ]
    totals.settle(conn, settled)
    return len(settled)


# Core statements, built once: they run in every request, every write and after every
# clock change.
_REFUNDS = table_of(Refund)
_NEXT_DUE = sql_select(func.min(_REFUNDS.c.settles_at)).where(
    _REFUNDS.c.sandbox_id == bindparam("in_sandbox"),
    _REFUNDS.c.status == RefundStatus.PENDING,
)
_SETTLE = (
    update(_REFUNDS)
    .where(
        _REFUNDS.c.sandbox_id == bindparam("in_sandbox"),
        _REFUNDS.c.status == RefundStatus.PENDING,
        _REFUNDS.c.settles_at <= bindparam("now", type_=_REFUNDS.c.settles_at.type),
    )
    .values(
        status=_REFUNDS.c.outcome,
        settled_at=_REFUNDS.c.settles_at,
        updated_at=_REFUNDS.c.settles_at,
    )
    .returning(*_REFUNDS.c)
)
# A status read of refunds that settle "after N reads" (see `count_reads`).
_WAITING_FOR_READS = (
    _REFUNDS.c.id.in_(bindparam("ids", expanding=True)),
    _REFUNDS.c.status == RefundStatus.PENDING,
    _REFUNDS.c.settle_after_reads.is_not(None),
)
_SETTLE_READ = (
    update(_REFUNDS)
    .where(*_WAITING_FOR_READS, _REFUNDS.c.reads >= _REFUNDS.c.settle_after_reads)
    .values(
        status=_REFUNDS.c.outcome,
        settled_at=bindparam("now", type_=_REFUNDS.c.settled_at.type),
        updated_at=bindparam("now", type_=_REFUNDS.c.updated_at.type),
    )
    .returning(*_REFUNDS.c)
)
_COUNT_READ = update(_REFUNDS).where(*_WAITING_FOR_READS).values(reads=_REFUNDS.c.reads + 1)


def next_due(session: Session, sandbox_id: str) -> datetime | None:
    """When the sandbox's next scheduled transition is due; None when none waits.

    One indexed probe, so that reads take the write lock only when there is work.
    """
    due: datetime | None = (
        session.connection().execute(_NEXT_DUE, {"in_sandbox": sandbox_id}).scalar()
    )
    return due


def sandboxes_with_pending(session: Session) -> list[str]:
    return list(
        session.exec(
            select(Refund.sandbox_id).where(Refund.status == RefundStatus.PENDING).distinct()
        )
    )


def count_reads(session: Session, refund_ids: list[int], now: datetime) -> int:
    """One status read of these refunds: those read past their count settle now.

    A refund forced to settle "after N reads" shows pending for N reads and its final
    status from the next one on. Returns how many settled.
    """
    if not refund_ids:
        return 0
    conn = session.connection()
    settled = [
        value_of(Refund, row) for row in conn.execute(_SETTLE_READ, {"ids": refund_ids, "now": now})
    ]
    conn.execute(_COUNT_READ, {"ids": refund_ids})
    # The totals last: every refund row this takes is taken before the orders' rows, as
    # `settle_due` takes them, so no two writers wait for each other in opposite orders.
    totals.settle(conn, settled)
    return len(settled)


def note_status_reads(db: Database, refunds: Iterable[Refund], now: datetime) -> bool:
    """Count a status read of refunds that wait for reads; True when any were counted
    (the caller then reads them again to show what changed)."""
    waiting = [
        r.id
        for r in refunds
        if r.id is not None
        and r.status == RefundStatus.PENDING
        and r.settle_after_reads is not None
    ]
    if not waiting:
        return False
    with db.write() as session:
        count_reads(session, waiting, now)
    return True
