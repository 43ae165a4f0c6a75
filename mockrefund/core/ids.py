"""Deterministic id sequences, one per sandbox and name."""

from sqlmodel import Session, select

from mockrefund.core.models import Sequence


def next_id(session: Session, sandbox_id: str, name: str, start: int) -> int:
    """Take the next value of a sequence (creating it at `start`), inside the caller's write."""
    row = session.exec(
        select(Sequence)
        .where(Sequence.sandbox_id == sandbox_id, Sequence.name == name)
        .with_for_update()
    ).first()
    if row is None:
        row = Sequence(sandbox_id=sandbox_id, name=name, next_value=start)
    value = row.next_value
    row.next_value = value + 1
    session.add(row)
    return value


def set_next(session: Session, sandbox_id: str, name: str, value: int) -> None:
    row = session.get(Sequence, (sandbox_id, name))
    if row is None:
        row = Sequence(sandbox_id=sandbox_id, name=name, next_value=value)
    row.next_value = value
    session.add(row)
