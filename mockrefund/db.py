"""Engine, sessions and schema.

Two kinds of transaction: `read()` and `write()`. On SQLite a write starts with
`BEGIN IMMEDIATE`, taking the database's write lock before it reads anything, so the
check-then-write of a refund can never interleave with another writer's (two requests
cannot both take the last unit). On PostgreSQL the core locks the order row instead.

A third, `side_write()`, is for the tables that the read cache never holds (journal,
nonces, rate buckets, fault counters), written by almost every request: on a SQLite file
it runs on the connection that reads the file's version, whose own commits do not move
that version, so the cache outlives them.

`exclusive()` is a write that no other server runs at the same time, whatever it is
doing: for the one-time work at start (schema, templates).
"""

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import configure_mappers
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, Session, SQLModel, create_engine

from mockrefund.controls import tables as control_tables  # noqa: F401  (registers them)
from mockrefund.core import models  # noqa: F401  (registers the tables)
from mockrefund.readcache import ReadCache, WriteCounter
from mockrefund.write_turns import WriteTurns

_WRITE = "mockrefund_write"

# Set while a request runs on the server's event loop (`reads_only`): a write there,
# which could wait for SQLite's write lock, would hold up every other request.
_ON_LOOP: ContextVar[bool] = ContextVar("mockrefund_reads_only", default=False)


class WriteOnLoop(RuntimeError):
    """A write was asked for inside `reads_only()`; nothing was written. The caller runs
    the request again where it may wait (a worker thread)."""


@contextmanager
def reads_only() -> Iterator[None]:
    """Refuse writes (with `WriteOnLoop`) in this block: for a request served on the
    event loop on the promise that it only reads."""
    token = _ON_LOOP.set(True)
    try:
        yield
    finally:
        _ON_LOOP.reset(token)


def _refuse_on_loop() -> None:
    if _ON_LOOP.get():
        raise WriteOnLoop("a write inside reads_only()")


# Connections kept open: enough for every thread of the pool that runs database work.
POOL_SIZE = 40
# Threads for the emulated APIs' requests (see `Database.workers`).
POSTGRES_WORKERS = 16
SQLITE_WORKERS = 2

# Bump when a table changes shape; an older database is then refused with advice.
SCHEMA_VERSION = 9

# The PostgreSQL advisory lock that one-time work at start runs under (any fixed number
# that no other program on the database uses: "mockrfnd" in ASCII).
_START_LOCK = 0x6D6F636B72666E64 & 0x7FFFFFFFFFFFFFFF
# How long a SQLite write waits for the write lock before it fails "database is locked".
_BUSY_TIMEOUT_SECONDS = 10.0
# How long a server waits for another to finish its start on the same SQLite file.
_START_WAIT_SECONDS = 600.0


class SchemaMismatch(RuntimeError):
    pass


class SchemaInfo(SQLModel, table=True):
    __tablename__ = "schema_info"

    id: int = Field(default=1, primary_key=True)
    version: int


class Database:
    def __init__(self, url: str, read_cache: bool = True) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # Plain model values (core.values) read attributes through the mapped classes,
        # which need their mappers set up even before the ORM has run a query.
        configure_mappers()
        self.engine = _make_engine(url)
        self._in_memory_turns = threading.RLock() if _is_in_memory(self.engine) else None
        # A file's writers take turns, in order, before its write lock (see `write_turns`).
        self._write_turns = (
            WriteTurns(_BUSY_TIMEOUT_SECONDS) if _is_sqlite_file(self.engine) else None
        )
        self._writes = WriteCounter()
        self._side = (
            _SideConnection(url, self._write_turns) if self._write_turns is not None else None
        )
        self._workers: ThreadPoolExecutor | None = None
        self.cache = _make_cache(self.engine, self._writes, self._side, read_cache)

    @property
    def workers(self) -> ThreadPoolExecutor:
        """Threads for the emulated APIs' requests that must not run on the event loop
        (see `reads_on_loop`): 16 on PostgreSQL, whose calls wait on the network with the
        GIL released (one process answered twice the cached reads on them: 146 to 300 a
        second); 2 on SQLite, whose writes take turns at one lock anyway (one waits for
        the lock while the other works)."""
        if self._workers is None:
            self._workers = ThreadPoolExecutor(
                POSTGRES_WORKERS if self.is_postgres else SQLITE_WORKERS,
                thread_name_prefix="mockrefund-request",
            )
        return self._workers

    @property
    def reads_on_loop(self) -> bool:
        """Whether requests that only read may run on the event loop.

        On SQLite, yes: in WAL mode a read never waits for a writer, and its calls take
        microseconds, so handing it to a thread and back cost more than the work (a
        cached read: 7,850 a second on the loop, 1,670 on two threads). Its writes, which
        may wait for the write lock, go to `workers`, where the hop costs next to nothing
        (a SHOPLINE create: 60 a second on the loop, 57 on a thread). On PostgreSQL, no:
        every call waits on the network.
        """
        return not self.is_postgres

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def create_schema(self, session: Session | None = None) -> None:
        """Create what is missing; inside `exclusive()`, several servers starting on one
        database take turns instead of racing for the same tables."""
        SQLModel.metadata.create_all(session.connection() if session else self.engine)
        self._writes.bump()

    def drop_schema(self) -> None:
        SQLModel.metadata.drop_all(self.engine)
        self._writes.bump()

    def check_schema_version(self, session: Session) -> None:
        """Stamp a new database; refuse one written by a mockrefund with other tables."""
        info = session.get(SchemaInfo, 1)
        # A database with sandboxes but no stamp predates the stamp: version 1.
        found = info.version if info else (1 if _has_rows(session, "sandbox") else None)
        if found is None:
            session.add(SchemaInfo(version=SCHEMA_VERSION))
            session.flush()
        elif found != SCHEMA_VERSION:
            raise SchemaMismatch(
                f"the database {self.url} has schema version {found}, this "
                f"mockrefund needs {SCHEMA_VERSION}; start with --reset to seed it again"
            )

    @contextmanager
    def read(self) -> Iterator[Session]:
        with (
            self._turn(),
            self.engine.connect() as conn,
            Session(bind=conn, expire_on_commit=False) as session,
        ):
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        _refuse_on_loop()
        with self._write_turn(), self.engine.connect() as raw:
            conn = raw.execution_options(**{_WRITE: True})
            with Session(bind=conn, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
                finally:
                    self._writes.bump()

    @contextmanager
    def side_write(self) -> Iterator[Connection]:
        """One transaction on tables the read cache never holds; it leaves the cache as
        it is (see the module's doc)."""
        _refuse_on_loop()
        if self._side is not None:
            with self._side.write() as conn:
                yield conn
            return
        # PostgreSQL (no cache) or an in-memory SQLite (whose cache version counts only
        # `write()`s): the engine's own connections, with no count.
        with self._turn(), self.engine.connect() as raw:
            conn = raw.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def exclusive(self) -> Iterator[Session]:
        """A write that waits for, and then excludes, every other server's `exclusive()`
        (and on SQLite every write): PostgreSQL's advisory lock, SQLite's write lock."""
        deadline = time.monotonic() + _START_WAIT_SECONDS
        while True:
            held = ExitStack()
            try:
                session = held.enter_context(self.write())
                session.connection()  # begins: on SQLite, takes the write lock
                if self.is_postgres:
                    session.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _START_LOCK}
                    )
                break
            except OperationalError as error:
                held.close()
                # Another server holds a SQLite file's write lock for longer than the busy
                # timeout (seeding a large store): wait for it, as PostgreSQL would.
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
        with held:
            yield session

    def _turn(self) -> AbstractContextManager[object]:
        """An in-memory database is one connection: its transactions take turns (they
        would otherwise run into each other on it). Files and servers need no turns."""
        return self._in_memory_turns or nullcontext()

    def _write_turn(self) -> AbstractContextManager[object]:
        """A write's turn: as `_turn`, and on a file, in order at its write lock."""
        if self._write_turns is not None:
            return self._write_turns.turn()
        return self._turn()

    def dispose(self) -> None:
        if self._workers is not None:
            self._workers.shutdown(wait=True)
            self._workers = None
        if self._side is not None:
            self._side.close()
        self.engine.dispose()


class _SideConnection:
    """One connection to a SQLite file, for `side_write()` and for the file's version.

    `PRAGMA data_version` moves when *another* connection commits; read on this one, it
    stays put for the side writes made here, and moves for everything else.

    Every request reads the version, on the event loop, so reading it must never wait
    for a side write (which may itself wait for the database's write lock). While a side
    write holds the write lock, no other connection can commit: the version it read once
    it had the lock is the version until it lets go, and readers are given that one.
    Only while a side write waits for the lock is the version unknown (None), and the
    cache then reads afresh, which is always right.
    """

    def __init__(self, url: str, turns: WriteTurns) -> None:
        self.engine = _make_engine(url, single_connection=True)
        self._turns = turns
        # One user of the connection at a time: a side write, or a version read.
        self._lock = threading.Lock()
        self._raw: Any = None
        # The version while this connection's side write holds the write lock.
        self._held_version: int | None = None

    def version(self) -> int | None:
        if not self._lock.acquire(blocking=False):
            return self._held_version
        try:
            return self._read_version()
        finally:
            self._lock.release()

    def _read_version(self) -> int:
        if self._raw is None:
            self._raw = self.engine.raw_connection()
        row = self._raw.driver_connection.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    @contextmanager
    def write(self) -> Iterator[Connection]:
        # The turn first: while waiting for it, `version()` can still read the version.
        with self._turns.turn(), self._lock, self.engine.connect() as raw:
            conn = raw.execution_options(**{_WRITE: True})
            with conn.begin():  # BEGIN IMMEDIATE: the write lock is held from here
                self._held_version = self._read_version()
                try:
                    yield conn
                finally:
                    # Unknown again before the commit lets other writers in.
                    self._held_version = None

    def close(self) -> None:
        with self._lock:
            if self._raw is not None:
                self._raw.close()
                self._raw = None
            self.engine.dispose()


def insert_with_upsert(
    dialect: str,
) -> Callable[[Table], postgresql.Insert | sqlite.Insert]:
    """The dialect's INSERT, which can say ON CONFLICT DO UPDATE (SQLite and PostgreSQL
    spell it alike; SQLAlchemy's generic INSERT cannot)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _is_in_memory(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")


def _is_sqlite_file(engine: Engine) -> bool:
    path = engine.url.database
    return engine.dialect.name == "sqlite" and bool(path) and path != ":memory:"


def _make_cache(
    engine: Engine, writes: WriteCounter, side: "_SideConnection | None", wanted: bool
) -> ReadCache:
    """On for SQLite, where a version of the data is cheap to read; off elsewhere."""
    if not wanted or engine.dialect.name != "sqlite":
        return ReadCache(writes, None, enabled=False)
    return ReadCache(writes, side.version if side else None, enabled=True)


def _make_engine(url: str, single_connection: bool = False) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)

    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if in_memory or single_connection:
        # An in-memory database lives in its one connection; share it.
        options["poolclass"] = StaticPool
    else:
        # As many connections kept open as threads may use them at once (the thread
        # pool's 40), so that none is opened, set up and closed again per request.
        options["pool_size"] = POOL_SIZE
        options["max_overflow"] = POOL_SIZE
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy (below) decide when transactions begin, not the sqlite3 module.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        # First: switching a new file to WAL below needs a moment's lock, which another
        # server opening the same file at the same moment must wait for, not fail on.
        cursor.execute(f"PRAGMA busy_timeout={int(_BUSY_TIMEOUT_SECONDS * 1000)}")
        if not in_memory:
            # WAL: readers never wait for the writer. NORMAL sync: a commit survives the
            # process being killed (it is in the OS's hands), at a fraction of FULL's cost.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _has_rows(session: Session, table: str) -> bool:
    return session.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None
