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
  map from old to new ids (`clone_id_map`), filled first, gives the foreign keys theirs.
- A big copy on SQLite (`clone_in_steps`) goes a step of rows per transaction, so that
  other sandboxes' writes never wait long for the lock; each step's ids shift by an
  offset of their own, recorded in the same map for the children that follow.
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
    Select,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, Session, SQLModel

from mockrefund.core.values import table_of
from mockrefund.db import Database

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
        _clone_by_map(session, source, target)
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
        [_copy_statement(tables[name], set(keyed), _shifted, _everything) for name in TABLES],
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


def _copy_statement(
    table: Table, keyed: set[str], new_id: NewId, rows: Callable[[Table], ColumnElement[bool]]
) -> Insert:
    """INSERT ... SELECT of the source's `rows` of `table`: the target's sandbox id, and
    `new_id` for the id and each foreign key to a table of `keyed`."""
    columns = list(table.c)
    values = [_copied(column, keyed, new_id).label(column.name) for column in columns]
    return insert(table).from_select(
        [c.name for c in columns],
        select(*values).where(table.c.sandbox_id == bindparam("source"), rows(table)),
    )


def _everything(table: Table) -> ColumnElement[bool]:
    return true()


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


class CloneIdMap(SQLModel, table=True):
    """While a copy runs: the new id each copied row of a keyed table took, so that its
    children's foreign keys find it. A copy's rows are named by its target sandbox (one
    copy into a sandbox runs at a time) and go when it ends."""

    __tablename__ = "clone_id_map"

    target: str = Field(primary_key=True, max_length=64)
    tbl: str = Field(primary_key=True, max_length=32)
    old_id: int = Field(primary_key=True, sa_type=BigInteger)
    new_id: int = Field(sa_type=BigInteger)


_ID_MAP = table_of(CloneIdMap)
# Rows copied per transaction by `clone_in_steps`: a few milliseconds of the write lock.
STEP_ROWS = 2_000
# Bounds of a source's ids that take in every row.
_ALL_IDS = (-1, 2**62)


def clone_in_steps(db: Database, source: str, target: str) -> None:
    """Copy the rows of `source` into `target` in short transactions of at most
    `STEP_ROWS` rows each, so that a big copy never holds SQLite's write lock for long.
    Nothing reads `target` meanwhile: the caller makes it reachable only afterwards."""
    with db.write() as session:
        session.execute(delete(_ID_MAP).where(_ID_MAP.c.target == target))  # a stopped copy
    statements = _mapped_statements()
    tables = SQLModel.metadata.tables
    params: dict[str, object] = {"source": source, "target": target}
    for name, copy in zip(TABLES, statements.copies, strict=True):
        mapping = statements.maps.get(name)
        if mapping is None:  # no integer id (a handful of rows per store)
            with db.write() as session:
                session.execute(copy, params)
            continue
        table = tables[name]
        after = _ALL_IDS[0]
        while True:
            with db.write() as session:
                conn = session.connection()
                last = conn.execute(_step_end(table), params | {"after": after}).scalar()
                upto = _ALL_IDS[1] if last is None else int(last)
                bounds = params | {"after": after, "upto": upto}
                conn.execute(mapping, bounds | _sqlite_offset(conn, table, bounds))
                conn.execute(copy, bounds)
            if last is None:
                break
            after = upto
    with db.write() as session:
        session.execute(delete(_ID_MAP).where(_ID_MAP.c.target == target))


def is_big(session: Session, sandbox_id: str) -> bool:
    """Whether a table of the sandbox holds more than `STEP_ROWS` rows (one probe each)."""
    probes = []
    for name in TABLES:
        table = SQLModel.metadata.tables[name]
        probes.append(
            select(literal(1))
            .select_from(table)
            .where(table.c.sandbox_id == sandbox_id)
            .offset(STEP_ROWS)
            .limit(1)
            .exists()
        )
    return bool(session.execute(select(or_(*probes))).scalar())


def _step_end(table: Table) -> Select[Any]:
    """The id of the source's `STEP_ROWS`-th row after `after` (None: fewer are left)."""
    return (
        select(table.c.id)
        .where(table.c.sandbox_id == bindparam("source"), table.c.id > bindparam("after"))
        .order_by(table.c.id)
        .offset(STEP_ROWS - 1)
        .limit(1)
    )


def _sqlite_offset(conn: Connection, table: Table, bounds: dict[str, object]) -> dict[str, int]:
    """On SQLite, how far this step's ids move to land past every id in use (this
    transaction holds the write lock: nobody takes one meanwhile)."""
    if conn.dialect.name == "postgresql":
        return {}
    highest, lowest = conn.execute(
        select(
            select(func.coalesce(func.max(table.c.id), 0)).scalar_subquery(),
            select(func.coalesce(func.min(table.c.id), 0))
            .where(
                table.c.sandbox_id == bindparam("source"),
                table.c.id > bindparam("after"),
            )
            .scalar_subquery(),
        ),
        bounds,
    ).one()
    return {"offset": int(highest) - int(lowest) + 1}


def _clone_by_map(session: Session, source: str, target: str) -> None:
    """The whole copy in the caller's transaction, new ids from the tables' sequences."""
    conn = session.connection()
    statements = _mapped_statements()
    params = {"source": source, "target": target, "after": _ALL_IDS[0], "upto": _ALL_IDS[1]}
    conn.execute(delete(_ID_MAP).where(_ID_MAP.c.target == target))
    for name, copy in zip(TABLES, statements.copies, strict=True):
        mapping = statements.maps.get(name)
        if mapping is not None:
            conn.execute(mapping, params)
        conn.execute(copy, params)
    conn.execute(delete(_ID_MAP).where(_ID_MAP.c.target == target))


@dataclass(frozen=True)
class _MappedStatements:
    maps: dict[str, Insert]  # per keyed table: fill its part of the map
    copies: list[Insert]  # per table, in `TABLES` order


@cache
def _mapped_statements() -> _MappedStatements:
    """Statements that copy the source's rows with ids in (`after`, `upto`]; on
    PostgreSQL each new id from the table's own sequence (`nextval`, which no two
    transactions share), on SQLite the old one moved by `offset`."""
    tables = SQLModel.metadata.tables
    keyed = [name for name in TABLES if _is_integer_key(tables[name])]
    return _MappedStatements(
        {name: _map_statement(tables[name]) for name in keyed},
        [_copy_statement(tables[name], set(keyed), _new_id, _in_step) for name in TABLES],
    )


def _in_step(table: Table) -> ColumnElement[bool]:
    if not _is_integer_key(table):
        return true()
    return and_(
        table.c.id > bindparam("after", type_=BigInteger),
        table.c.id <= bindparam("upto", type_=BigInteger),
    )


class _NextId(ColumnElement[int]):
    """A new id for a row of `table`: its sequence's next value on PostgreSQL, the old
    id plus the step's `offset` on SQLite."""

    inherit_cache = True

    def __init__(self, table: Table) -> None:
        self.table = table
        self.type = BigInteger()


@compiles(_NextId, "postgresql")
def _next_id_postgresql(element: _NextId, compiler: Any, **kw: Any) -> str:
    sequence = func.pg_get_serial_sequence(element.table.name, "id")
    return str(compiler.process(func.nextval(sequence), **kw))


@compiles(_NextId)
def _next_id_sqlite(element: _NextId, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.table.c.id + bindparam("offset", type_=Integer), **kw))


def _map_statement(table: Table) -> Insert:
    """New ids for the step's rows of `table`."""
    return insert(_ID_MAP).from_select(
        ["target", "tbl", "old_id", "new_id"],
        select(
            bindparam("target", type_=String), literal(table.name), table.c.id, _NextId(table)
        ).where(table.c.sandbox_id == bindparam("source"), _in_step(table)),
    )


def _new_id(table: str, old: Column[Any]) -> ColumnElement[Any]:
    return (
        select(_ID_MAP.c.new_id)
        .where(
            _ID_MAP.c.target == bindparam("target"),
            _ID_MAP.c.tbl == table,
            _ID_MAP.c.old_id == old,
        )
        .scalar_subquery()
    )
