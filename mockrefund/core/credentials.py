"""Who is calling: a token or key, looked up within one sandbox and platform."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sql_select

from mockrefund.core.models import Credential, Store
from mockrefund.core.values import table_of
from mockrefund.db import Database


def lookup(
    db: Database, sandbox_id: str, platform: str, key: str
) -> tuple[Credential, Store] | None:
    """The credential named by `key` and its store, as plain values (None: no such
    credential), in a read of its own, answered from the read cache while nothing
    changed."""

    def load() -> tuple[Credential, Store] | None:
        with db.read() as session:
            row = (
                session.connection()
                .execute(_FIND, {"in_sandbox": sandbox_id, "of": platform, "key": key})
                .first()
            )
        return None if row is None else pair_of(row)

    return db.cache.get(cache_key(sandbox_id, platform, key), load)


def cache_key(sandbox_id: str, platform: str, key: str) -> tuple[str, str, str, str]:
    """The key of a credential (and its store) in the read cache."""
    return ("credential", sandbox_id, platform, key)


def pair_of(columns: Sequence[Any]) -> tuple[Credential, Store]:
    """A credential and its store from the columns of both tables, in table order."""
    # Both tables have `id` and `sandbox_id`: split the joined row by position.
    width = len(CREDENTIALS.c)
    credential = Credential.model_construct(
        **dict(zip(CREDENTIALS.c.keys(), columns[:width], strict=True))
    )
    store = Store.model_construct(**dict(zip(STORES.c.keys(), columns[width:], strict=True)))
    return credential, store


CREDENTIALS, STORES = table_of(Credential), table_of(Store)
_FIND = (
    sql_select(CREDENTIALS, STORES)
    .join(STORES, STORES.c.id == CREDENTIALS.c.store_id)
    .where(
        CREDENTIALS.c.sandbox_id == bindparam("in_sandbox"),
        CREDENTIALS.c.platform == bindparam("of"),
        CREDENTIALS.c.key == bindparam("key"),
    )
)
