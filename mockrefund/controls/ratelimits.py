"""Leaky buckets, as Kakaclo (120 deep, leaking 2/s) and SHOPLINE (40 deep, 4/s) meter
their APIs per store.

One bucket per sandbox, platform and store, in the database, so every server pours into
the same one: a single upsert drains the bucket for the wall time passed since the last
pour, pours one request if it fits, and says whether it did. Wall time, not a monotonic
clock: servers on several machines must agree on it.
"""

from functools import cache

from sqlalchemy import Insert, bindparam, case

from mockrefund import clock
from mockrefund.controls.tables import RateBucket
from mockrefund.core.models import Sandbox
from mockrefund.core.values import table_of
from mockrefund.db import Database, insert_with_upsert

# The platforms' published limits: (bucket size, requests leaked per second).
LIMITS = {"kakaclo": (120.0, 2.0), "shopline": (40.0, 4.0)}
PLATFORMS = tuple(LIMITS)


def switched_on(sandbox: Sandbox, platform: str) -> bool:
    """The sandbox's own switch (the control plane's `PUT .../rate-limits`)."""
    return bool(getattr(sandbox, f"{platform}_rate_limit", False))


def admit(db: Database, sandbox_id: str, platform: str, store_id: int) -> bool:
    """Pour one request into the store's bucket; False when it would overflow."""
    capacity, leak = LIMITS[platform]
    with db.side_write() as conn:
        admitted = conn.execute(
            _pour_statement(conn.dialect.name),
            {
                "sandbox_id": sandbox_id,
                "platform": platform,
                "store_id": store_id,
                "now": clock.epoch_seconds(),
                "capacity": capacity,
                "leak": leak,
            },
        ).scalar_one()
    return bool(admitted)


_TABLE = table_of(RateBucket)


@cache  # built once per dialect: building costs more than running it
def _pour_statement(dialect: str) -> Insert:
    build = insert_with_upsert(dialect)
    statement = build(_TABLE).values(
        sandbox_id=bindparam("sandbox_id"),
        platform=bindparam("platform"),
        store_id=bindparam("store_id"),
        level=1.0,
        poured_at=bindparam("now"),
        admitted=True,
    )
    leaked = _TABLE.c.level - (bindparam("now") - _TABLE.c.poured_at) * bindparam("leak")
    drained = case((leaked < 0, 0.0), else_=leaked)
    fits = drained + 1 <= bindparam("capacity")
    return statement.on_conflict_do_update(
        index_elements=[_TABLE.c.sandbox_id, _TABLE.c.platform, _TABLE.c.store_id],
        set_={
            "level": case((fits, drained + 1), else_=drained),
            "poured_at": bindparam("now"),
            "admitted": case((fits, True), else_=False),
        },
    ).returning(_TABLE.c.admitted)
