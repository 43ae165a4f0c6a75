"""Seeding a fixture set without holding the database for the whole of it.

Seeding thousands of orders takes seconds. Done in one transaction of the server's
database, it would hold that database's write lock (SQLite) all along, and every other
sandbox's refunds would wait for it. So a set is seeded first into a private in-memory
database, where it holds nobody up, and its rows are then moved into the server's
database in short transactions of a few thousand rows each, parents before children,
each row given a new id there (and its foreign keys the new ids of their parents).

The rows land under the template's id but without the template's own `sandbox` row,
which comes last: until then nothing can see or copy them (every read names a sandbox
that must exist). If the server stops half-way, the next build of that template clears
the rows left behind first.
"""

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from mockrefund.core import cloning
from mockrefund.core.models import Sandbox
from mockrefund.db import Database
from mockrefund.fixtures.schema import FixtureSet
from mockrefund.fixtures.seed import seed

STAGE = "staged"
# Rows moved per transaction: a few milliseconds of the write lock each.
CHUNK_ROWS = 2_000


def seed_in_steps(db: Database, template: Sandbox, fixtures: FixtureSet) -> None:
    """Seed `fixtures` as the template `template` (a new sandbox row, not yet added)."""
    staging = Database("sqlite://", read_cache=False)
    try:
        staging.create_schema()
        with staging.write() as session:
            seed(session, STAGE, fixtures)
        _clear(db, template.id)
        new_ids: dict[str, dict[int, int]] = {}
        with staging.read() as source:
            for name in cloning.TABLES:
                table = SQLModel.metadata.tables[name]
                rows = source.connection().execute(select(table).where(table.c.sandbox_id == STAGE))
                for chunk in _chunks(rows.mappings(), CHUNK_ROWS):
                    with db.write() as session:
                        _move(session.connection(), table, chunk, template.id, new_ids)
        with db.write() as session:
            session.add(template)
    finally:
        staging.dispose()


def _clear(db: Database, sandbox_id: str) -> None:
    """Rows a build stopped half-way left behind, children first."""
    with db.write() as session:
        for name in reversed(cloning.TABLES):
            table = SQLModel.metadata.tables[name]
            session.execute(delete(table).where(table.c.sandbox_id == sandbox_id))


def _move(
    conn: Connection,
    table: Table,
    rows: Sequence[Any],
    sandbox_id: str,
    new_ids: dict[str, dict[int, int]],
) -> None:
    keyed = [c.name for c in table.primary_key.columns] == ["id"]
    fresh = _fresh_ids(conn, table, len(rows)) if keyed else []
    moved = []
    for index, row in enumerate(rows):
        values = dict(row)
        values["sandbox_id"] = sandbox_id
        for column in table.c:
            for key in column.foreign_keys:
                old = values[column.name]
                if old is not None:
                    values[column.name] = new_ids[key.column.table.name][old]
        if keyed:
            new_ids.setdefault(table.name, {})[values["id"]] = fresh[index]
            values["id"] = fresh[index]
        moved.append(values)
    conn.execute(table.insert(), moved)


def _fresh_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """`count` ids that no other row has or will take: from the table's sequence on
    PostgreSQL; past the highest on SQLite, whose write lock this transaction holds."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(_NEXT_IDS, {"table": table.name, "n": count})
        return [int(value) for value in found.scalars()]
    highest = int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())
    return list(range(highest + 1, highest + 1 + count))


_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")


def _chunks(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
