"""Who is calling: a token or key, looked up within one sandbox and platform."""

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
        if row is None:
            return None
        # Both tables have `id` and `sandbox_id`: split the joined row by position.
        width = len(_CREDENTIALS.c)
        credential = Credential.model_construct(
            **dict(zip(_CREDENTIALS.c.keys(), row[:width], strict=True))
        )
        store = Store.model_construct(**dict(zip(_STORES.c.keys(), row[width:], strict=True)))
        return credential, store

    return db.cache.get(("credential", sandbox_id, platform, key), load)


_CREDENTIALS, _STORES = table_of(Credential), table_of(Store)
_FIND = (
    sql_select(_CREDENTIALS, _STORES)
    .join(_STORES, _STORES.c.id == _CREDENTIALS.c.store_id)
    .where(
        _CREDENTIALS.c.sandbox_id == bindparam("in_sandbox"),
        _CREDENTIALS.c.platform == bindparam("of"),
        _CREDENTIALS.c.key == bindparam("key"),
    )
)
