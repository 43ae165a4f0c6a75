"""Forced outcomes queued by the control plane, taken by the refunds they match.

The most specific match wins (an order of a platform, then a platform, then any refund),
and among equals the oldest. Taking one happens inside the refund's own transaction, so
a refused refund leaves the queue as it was.
"""

from datetime import datetime

from sqlalchemy import bindparam, delete, update
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
    """The forced outcome for this refund, if any, used up by one.

    Taking is a conditional decrement (`remaining > 0`), so two refunds on two servers
    can never both take the last use: the loser sees no row change and looks again.
    """
    conn = session.connection()
    # Most sandboxes have none queued: one prepared probe answers that, in every refund.
    if conn.execute(_ANY_QUEUED, {"in_sandbox": sandbox_id}).first() is None:
        return None
    while True:
        rows = conn.execute(_QUEUED, {"in_sandbox": sandbox_id}).all()
        matching = [
            row
            for row in rows
            if row.platform in (None, platform) and row.order_ref in (None, order_ref)
        ]
        if not matching:
            return None
        chosen = min(matching, key=lambda f: (f.order_ref is None, f.platform is None, f.id))
        left = conn.execute(_TAKE_ONE, {"outcome_id": chosen.id}).scalar()
        if left is None:
            continue  # taken by a concurrent refund meanwhile
        if left <= 0:
            conn.execute(_DROP_USED_UP, {"outcome_id": chosen.id})
        return ForcedOutcome.model_construct(**{**chosen._mapping, "remaining": int(left)})


_TABLE = table_of(ForcedOutcome)
_ANY_QUEUED = sql_select(_TABLE.c.id).where(_TABLE.c.sandbox_id == bindparam("in_sandbox")).limit(1)
_QUEUED = (
    sql_select(_TABLE)
    .where(_TABLE.c.sandbox_id == bindparam("in_sandbox"), _TABLE.c.remaining > 0)
    .order_by(_TABLE.c.id)
)
_TAKE_ONE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("outcome_id"), _TABLE.c.remaining > 0)
    .values(remaining=_TABLE.c.remaining - 1)
    .returning(_TABLE.c.remaining)
)
_DROP_USED_UP = delete(_TABLE).where(
    _TABLE.c.id == bindparam("outcome_id"), _TABLE.c.remaining <= 0
)
