"""Copying every row of one sandbox into another, in a handful of statements.

A fixture set is seeded once into a hidden template sandbox; creating or resetting a
sandbox then copies the template with one `INSERT ... SELECT` per table, shifting each
table's ids by an offset past the highest id in use (and foreign keys by the offset of
the table they point to). No row passes through Python, so a copy of the default
fixtures takes a few milliseconds on SQLite and PostgreSQL alike.
"""

from sqlalchemy import Column, Table, func, insert, literal, select, text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, SQLModel

# Parents before children, so every foreign key finds its row.
TABLES = [
    "store",
    "credential",
    "orders",
    "lineitem",
    "payment",
    "refund",
    "refundline",
    "refundtransaction",
    "sequence",
    "forcedoutcome",
]


def clone(session: Session, source: str, target: str) -> None:
    """Copy the rows of sandbox `source` into sandbox `target` (which must be empty)."""
    tables = SQLModel.metadata.tables
    offsets = _offsets(session, [tables[n] for n in TABLES if _is_integer_key(tables[n])], source)
    for name in TABLES:
        table = tables[name]
        columns = list(table.c)
        values = [_shifted(column, target, offsets) for column in columns]
        session.execute(
            insert(table).from_select(
                [c.name for c in columns],
                select(*values).where(table.c.sandbox_id == source),
            )
        )
    if session.get_bind().dialect.name == "postgresql":
        _advance_postgres_sequences(session, offsets)


def _is_integer_key(table: Table) -> bool:
    return [c.name for c in table.primary_key.columns] == ["id"]


def _offsets(session: Session, tables: list[Table], source: str) -> dict[str, int]:
    """How far each table's source ids move so the copies land past every id in use:
    one round trip for all tables (max over the table, min over the source's rows)."""
    columns = []
    for table in tables:
        columns.append(select(func.coalesce(func.max(table.c.id), 0)).scalar_subquery())
        columns.append(
            select(func.coalesce(func.min(table.c.id), 0))
            .where(table.c.sandbox_id == source)
            .scalar_subquery()
        )
    row = session.execute(select(*columns)).one()
    return {table.name: int(row[2 * i]) - int(row[2 * i + 1]) + 1 for i, table in enumerate(tables)}


def _shifted(column: Column[object], target: str, offsets: dict[str, int]) -> ColumnElement[object]:
    if column.name == "sandbox_id":
        return literal(target, type_=column.type).label(column.name)
    if column.name == "id" and column.table.name in offsets:
        return (column + offsets[column.table.name]).label(column.name)
    for key in column.foreign_keys:
        referenced = key.column.table.name
        if referenced in offsets:
            return (column + offsets[referenced]).label(column.name)
    return column.label(column.name)


def _advance_postgres_sequences(session: Session, offsets: dict[str, int]) -> None:
    # Rows inserted with explicit ids do not move PostgreSQL's serial sequences.
    for name in offsets:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
            )
        )
