"""Copying every row of one sandbox into another, in a handful of statements.

A fixture set is seeded once into a hidden template sandbox; creating or resetting a
sandbox then copies the template with one `INSERT ... SELECT` per table. No row passes
through Python, so a copy of the default fixtures takes a few milliseconds.

The copies need new ids, and their foreign keys the new ids of their parents:
- On SQLite, where every write holds the database's one write lock, each table's ids
  shift by an offset past the highest id in use (and foreign keys by the offset of the
  table they point to): nobody else can take an id meanwhile.
- On PostgreSQL, where other transactions insert at the same time, each new id comes
  from the table's own sequence (`nextval`, which no two transactions ever share); a
  temporary map from old to new ids, filled first, gives the foreign keys theirs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Insert,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
)
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
    if session.get_bind().dialect.name == "postgresql":
        _clone_by_sequences(session, source, target)
        return
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
        [_copy_statement(tables[name], set(keyed), _shifted) for name in TABLES],
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


# How a copy finds a row's new id: from the name of the table the id belongs to and the
# column holding the old one (the row's own `id`, or a foreign key to that table).
NewId = Callable[[str, Column[Any]], ColumnElement[Any]]


def _copy_statement(table: Table, keyed: set[str], new_id: NewId) -> Insert:
    """INSERT ... SELECT of the source's rows of `table`: the target's sandbox id, and
    `new_id` for the id and each foreign key to a table of `keyed`."""
    columns = list(table.c)
    values = [_copied(column, keyed, new_id).label(column.name) for column in columns]
    return insert(table).from_select(
        [c.name for c in columns],
        select(*values).where(table.c.sandbox_id == bindparam("source")),
    )


def _copied(column: Column[Any], keyed: set[str], new_id: NewId) -> ColumnElement[Any]:
    if column.name == "sandbox_id":
        return bindparam("target", type_=column.type)
    if column.name == "id" and column.table.name in keyed:
        return new_id(column.table.name, column)
    for key in column.foreign_keys:
        referenced = key.column.table.name
        if referenced in keyed:
            return new_id(referenced, column)
    return column


def _shifted(table: str, old: Column[Any]) -> ColumnElement[Any]:
    return old + bindparam(_offset_name(table), type_=Integer)


_ID_MAP = Table(
    "clone_id_map",
    MetaData(),  # not the tables' metadata: a temporary table, made per connection
    Column("tbl", String, primary_key=True),
    Column("old_id", BigInteger, primary_key=True),
    Column("new_id", BigInteger),
)
_MAKE_ID_MAP = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS clone_id_map "
    "(tbl text, old_id bigint, new_id bigint, PRIMARY KEY (tbl, old_id)) "
    "ON COMMIT DELETE ROWS"
)


def _clone_by_sequences(session: Session, source: str, target: str) -> None:
    conn = session.connection()
    statements = _sequence_statements()
    conn.exec_driver_sql(_MAKE_ID_MAP)
    params = {"source": source, "target": target}
    for mapping in statements.maps:
        conn.execute(mapping, params)
    for copy in statements.copies:
        conn.execute(copy, params)
    conn.execute(delete(_ID_MAP))  # the next copy in this transaction starts afresh


@dataclass(frozen=True)
class _SequenceStatements:
    maps: list[Insert]
    copies: list[Insert]


@cache
def _sequence_statements() -> _SequenceStatements:
    tables = SQLModel.metadata.tables
    keyed = [name for name in TABLES if _is_integer_key(tables[name])]
    return _SequenceStatements(
        [_map_statement(tables[name]) for name in keyed],
        [_copy_statement(tables[name], set(keyed), _new_id) for name in TABLES],
    )


def _map_statement(table: Table) -> Insert:
    """New ids for the source's rows of `table`, each from the table's own sequence."""
    new_id = func.nextval(func.pg_get_serial_sequence(table.name, "id"))
    return insert(_ID_MAP).from_select(
        ["tbl", "old_id", "new_id"],
        select(literal(table.name), table.c.id, new_id).where(
            table.c.sandbox_id == bindparam("source")
        ),
    )


def _new_id(table: str, old: Column[Any]) -> ColumnElement[Any]:
    return (
        select(_ID_MAP.c.new_id)
        .where(_ID_MAP.c.tbl == table, _ID_MAP.c.old_id == old)
        .scalar_subquery()
    )
