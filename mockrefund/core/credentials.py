"""Who is calling: a token or key, looked up within one sandbox and platform."""

from sqlmodel import Session, select

from mockrefund.core.models import Credential, Store
from mockrefund.db import Database


def find(
    session: Session, sandbox_id: str, platform: str, key: str
) -> tuple[Credential, Store] | None:
    row = session.exec(
        select(Credential, Store)
        .join(Store, Store.id == Credential.store_id)  # type: ignore[arg-type]
        .where(
            Credential.sandbox_id == sandbox_id,
            Credential.platform == platform,
            Credential.key == key,
        )
    ).first()
    return None if row is None else (row[0], row[1])


def lookup(
    db: Database, sandbox_id: str, platform: str, key: str
) -> tuple[Credential, Store] | None:
    """`find` in a read of its own, answered from the read cache while nothing changed."""

    def load() -> tuple[Credential, Store] | None:
        with db.read() as session:
            return find(session, sandbox_id, platform, key)

    return db.cache.get(("credential", sandbox_id, platform, key), load)
