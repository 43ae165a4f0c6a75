"""WooCommerce OAuth 1.0a nonces: each used once per consumer key within the window.

A nonce is a row; the second use is an insert that the primary key refuses (an upsert
that changes nothing while the first use is within the window, so no error travels),
whichever server took the first. The sweep deletes nonces past the window.
"""

import hashlib
from functools import cache

from sqlalchemy import Insert, bindparam, delete

from mockrefund.controls.tables import OAuthNonce
from mockrefund.core.values import table_of
from mockrefund.db import Database, insert_with_upsert

_TABLE = table_of(OAuthNonce)


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
    """Forget the nonces past the window; how many went."""
    with db.side_write() as conn:
        gone = conn.execute(
            delete(_TABLE).where(_TABLE.c.timestamp < bindparam("expired_before")),
            {"expired_before": now - window},
        )
    return int(gone.rowcount)


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
