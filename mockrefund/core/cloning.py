"""Copying every row of one sandbox into another, in a handful of statements.

A fixture set is seeded once into a hidden template sandbox; creating or resetting a
sandbox then copies the template with one `INSERT ... SELECT` per table, shifting each
table's ids by an offset past the highest id in use (and foreign keys by the offset of
the table they point to). No row passes through Python, so a copy of the default
fixtures takes a few milliseconds on SQLite and PostgreSQL alike.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Column, Insert, Integer, Select, Table, bindparam, func, insert, select, text
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
    statements = _statements()
    conn = session.connection()
    row = conn.execute(statements.offsets, {"source": source}).one()
    offsets = {
        name: int(row[2 * i]) - int(row[2 * i + 1]) + 1 for i, name in enumerate(statements.keyed)
    }
    params: dict[str, object] = {"source": source, "target": target}
    params |= {_offset_name(name): offset for name, offset in offsets.items()}
    for copy in statements.copies:
        conn.execute(copy, params)
    if session.get_bind().dialect.name == "postgresql":
        _advance_postgres_sequences(session, offsets)


@dataclass(frozen=True)
class _Statements:
    keyed: list[str]  # tables with an integer `id`, whose ids move by an offset
    offsets: Select[Any]
    copies: list[Insert]


@cache
def _statements() -> _Statements:
    """The statements of a copy, built once with the source, target and offsets as
    parameters: building them took about as long as running them."""
    tables = SQLModel.metadata.tables
    keyed = [name for name in TABLES if _is_integer_key(tables[name])]
    return _Statements(
        keyed,
        _offsets_statement([tables[name] for name in keyed]),
        [_copy_statement(tables[name], set(keyed)) for name in TABLES],
    )


def _is_integer_key(table: Table) -> bool:
    return [c.name for c in table.primary_key.columns] == ["id"]


def _offset_name(table: str) -> str:
    return f"offset_{table}"


def _offsets_statement(tables: list[Table]) -> Select[Any]:
    """How far each table's source ids move so the copies land past every id in use:
    one round trip for all tables (max over the table, min over the source's rows)."""
    columns = []
    for table in tables:
        columns.append(select(func.coalesce(func.max(table.c.id), 0)).scalar_subquery())
        columns.append(
            select(func.coalesce(func.min(table.c.id), 0))
            .where(table.c.sandbox_id == bindparam("source"))
            .scalar_subquery()
        )
    return select(*columns)


def _copy_statement(table: Table, keyed: set[str]) -> Insert:
    columns = list(table.c)
    values = [_shifted(column, keyed) for column in columns]
    return insert(table).from_select(
        [c.name for c in columns],
        select(*values).where(table.c.sandbox_id == bindparam("source")),
    )


def _shifted(column: Column[Any], keyed: set[str]) -> ColumnElement[Any]:
    if column.name == "sandbox_id":
        return bindparam("target", type_=column.type).label(column.name)
    if column.name == "id" and column.table.name in keyed:
        return (column + bindparam(_offset_name(column.table.name), type_=Integer)).label(
            column.name
        )
    for key in column.foreign_keys:
        referenced = key.column.table.name
        if referenced in keyed:
            return (column + bindparam(_offset_name(referenced), type_=Integer)).label(column.name)
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
