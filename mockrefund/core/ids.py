"""Deterministic id sequences, one per sandbox and name."""

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session

from mockrefund.core.models import Sequence
from mockrefund.core.values import table_of


def next_id(session: Session, sandbox_id: str, name: str, start: int) -> int:
    """Take the next value of a sequence (creating it at `start`), inside the caller's write.

    One UPDATE … RETURNING, which also locks the row on PostgreSQL; an INSERT when the
    sequence is new. Core statements: this runs several times in every refund written.
    """
    session.flush()  # a sequence added through the ORM earlier in this write must count
    conn = session.connection()
    taken = conn.execute(_TAKE, {"in_sandbox": sandbox_id, "named": name}).scalar()
    if taken is not None:
        return int(taken)
    conn.execute(_NEW, {"sandbox_id": sandbox_id, "name": name, "next_value": start + 1})
    return start


_TABLE = table_of(Sequence)
_TAKE = (
    update(_TABLE)
    .where(_TABLE.c.sandbox_id == bindparam("in_sandbox"), _TABLE.c.name == bindparam("named"))
    .values(next_value=_TABLE.c.next_value + 1)
    .returning(_TABLE.c.next_value - 1)
)
_NEW = insert(_TABLE)


def set_next(session: Session, sandbox_id: str, name: str, value: int) -> None:
    row = session.get(Sequence, (sandbox_id, name))
    if row is None:
        row = Sequence(sandbox_id=sandbox_id, name=name, next_value=value)
    row.next_value = value
    session.add(row)
