"""WooCommerce OAuth 1.0a nonces: each used once per consumer key within the window.

A nonce is a row; the second use is an insert that the primary key refuses (an upsert
that changes nothing while the first use is within the window, so no error travels),
whichever server took the first. The sweep deletes nonces past the window, and past
`MAX_PER_KEY` of one sandbox and key the oldest, so that no client can make the table
grow without bound (a nonce forgotten early could be used again: a replay a real store
would refuse).
"""

import hashlib
from functools import cache

from sqlalchemy import Delete, Insert, bindparam, delete, func, select, tuple_

from mockrefund.controls.tables import OAuthNonce
from mockrefund.core.values import table_of
from mockrefund.db import Database, insert_with_upsert

_TABLE = table_of(OAuthNonce)
# Nonces kept per sandbox and consumer key: 11 a second for the whole window.
MAX_PER_KEY = 10_000


def use(
    db: Database, sandbox_id: str, key: str, nonce: str, timestamp: int, window: int, now: int
) -> bool:
    """Record the nonce; False when it was already used within the window."""
    with db.side_write() as conn:
        fresh = conn.execute(
            _use_statement(conn.dialect.name),
            {
                "sandbox_id": sandbox_id,
                "consumer_key": key,
                "nonce_digest": hashlib.sha256(nonce.encode()).hexdigest(),
                "timestamp": timestamp,
                "expired_before": now - window,
            },
        ).first()
    return fresh is not None


def prune(db: Database, window: int, now: int) -> int:
    """Forget the nonces past the window, and the oldest past `MAX_PER_KEY` of a key;
    how many went."""
    with db.side_write() as conn:
        expired = conn.execute(
            delete(_TABLE).where(_TABLE.c.timestamp < bindparam("expired_before")),
            {"expired_before": now - window},
        )
        crowded = conn.execute(_trim_statement(), {"kept": MAX_PER_KEY})
    return int(expired.rowcount) + int(crowded.rowcount)


@cache
def _trim_statement() -> Delete:
    """Delete each sandbox and key's nonces but the newest `kept`."""
    key = [_TABLE.c.sandbox_id, _TABLE.c.consumer_key, _TABLE.c.nonce_digest]
    rank = (
        func.row_number()
        .over(
            partition_by=[_TABLE.c.sandbox_id, _TABLE.c.consumer_key],
            order_by=_TABLE.c.timestamp.desc(),
        )
        .label("rank")
    )
    ranked = select(*key, rank).subquery()
    surplus = select(ranked.c.sandbox_id, ranked.c.consumer_key, ranked.c.nonce_digest).where(
        ranked.c.rank > bindparam("kept")
    )
    return delete(_TABLE).where(tuple_(*key).in_(surplus))


@cache  # built once per dialect: building costs more than running it
def _use_statement(dialect: str) -> Insert:
    build = insert_with_upsert(dialect)
    statement = build(_TABLE).values(
        sandbox_id=bindparam("sandbox_id"),
        consumer_key=bindparam("consumer_key"),
        nonce_digest=bindparam("nonce_digest"),
        timestamp=bindparam("timestamp"),
    )
    # The same nonce again counts as new only once the first use has expired.
    return statement.on_conflict_do_update(
        index_elements=[_TABLE.c.sandbox_id, _TABLE.c.consumer_key, _TABLE.c.nonce_digest],
        set_={"timestamp": statement.excluded.timestamp},
        where=_TABLE.c.timestamp < bindparam("expired_before"),
    ).returning(_TABLE.c.timestamp)
