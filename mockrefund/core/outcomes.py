"""Forced outcomes queued by the control plane, taken by the refunds they match.

The most specific match wins (an order of a platform, then a platform, then any refund),
and among equals the oldest. Taking one happens inside the refund's own transaction, so
a refused refund leaves the queue as it was.
"""

from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from mockrefund.core.models import ForcedOutcome, RefundStatus
from mockrefund.core.values import table_of
from mockrefund.db import Database


def queue(
    db: Database,
    sandbox_id: str,
    outcome: RefundStatus,
    now: datetime,
    platform: str | None = None,
    order_ref: str | None = None,
    after_seconds: float | None = None,
    after_reads: int | None = None,
    count: int = 1,
) -> ForcedOutcome:
    with db.write() as session:
        forced = ForcedOutcome(
            sandbox_id=sandbox_id,
            platform=platform,
            order_ref=order_ref,
            outcome=outcome,
            after_seconds=after_seconds,
            after_reads=after_reads,
            remaining=count,
            created_at=now,
        )
        session.add(forced)
        session.flush()
        return forced


def pending(db: Database, sandbox_id: str) -> list[ForcedOutcome]:
    with db.read() as session:
        return list(
            session.exec(
                select(ForcedOutcome)
                .where(ForcedOutcome.sandbox_id == sandbox_id)
                .order_by(col(ForcedOutcome.id))
            )
        )


def clear(db: Database, sandbox_id: str) -> None:
    with db.write() as session:
        for forced in session.exec(
            select(ForcedOutcome).where(ForcedOutcome.sandbox_id == sandbox_id)
        ):
            session.delete(forced)


def take(session: Session, sandbox_id: str, platform: str, order_ref: str) -> ForcedOutcome | None:
    """The forced outcome for this refund, if any, used up by one."""
    # Most sandboxes have none queued: one prepared probe answers that, in every refund.
    if session.connection().execute(_ANY_QUEUED, {"in_sandbox": sandbox_id}).first() is None:
        return None
    candidates = session.exec(
        select(ForcedOutcome)
        .where(ForcedOutcome.sandbox_id == sandbox_id)
        .order_by(col(ForcedOutcome.id))
    ).all()
    matching = [
        f for f in candidates if f.platform in (None, platform) and f.order_ref in (None, order_ref)
    ]
    if not matching:
        return None
    chosen = min(matching, key=lambda f: (f.order_ref is None, f.platform is None, f.id))
    chosen.remaining -= 1
    if chosen.remaining <= 0:
        session.delete(chosen)
    else:
        session.add(chosen)
    return chosen


_TABLE = table_of(ForcedOutcome)
_ANY_QUEUED = sql_select(_TABLE.c.id).where(_TABLE.c.sandbox_id == bindparam("in_sandbox")).limit(1)
