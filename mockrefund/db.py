"""Engine, sessions and schema.

Two kinds of transaction: `read()` and `write()`. On SQLite a write starts with
`BEGIN IMMEDIATE`, taking the database's write lock before it reads anything, so the
check-then-write of a refund can never interleave with another writer's (two requests
cannot both take the last unit). On PostgreSQL the core locks the order row instead.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import configure_mappers
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, Session, SQLModel, create_engine

from mockrefund.core import models  # noqa: F401  (registers the tables)
from mockrefund.readcache import FileVersion, ReadCache, WriteCounter

_WRITE = "mockrefund_write"

# Bump when a table changes shape; an older database is then refused with advice.
SCHEMA_VERSION = 5


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
        self._writes = WriteCounter()
        self.cache = _make_cache(self.engine, self._writes, read_cache)

    def create_schema(self) -> None:
        SQLModel.metadata.create_all(self.engine)
        self._writes.bump()

    def drop_schema(self) -> None:
        SQLModel.metadata.drop_all(self.engine)
        self._writes.bump()

    def check_schema_version(self) -> None:
        """Stamp a new database; refuse one written by a mockrefund with other tables."""
        with self.write() as session:
            info = session.get(SchemaInfo, 1)
            # A database with sandboxes but no stamp predates the stamp: version 1.
            found = info.version if info else (1 if _has_rows(session, "sandbox") else None)
            if found is None:
                session.add(SchemaInfo(version=SCHEMA_VERSION))
            elif found != SCHEMA_VERSION:
                raise SchemaMismatch(
                    f"the database {self.url} has schema version {found}, this "
                    f"mockrefund needs {SCHEMA_VERSION}; start with --reset to seed it again"
                )

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.engine.connect() as conn, Session(bind=conn, expire_on_commit=False) as s:
            yield s

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.engine.connect() as raw:
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

    def dispose(self) -> None:
        self.cache.close()
        self.engine.dispose()


def _make_cache(engine: Engine, writes: WriteCounter, wanted: bool) -> ReadCache:
    """On for SQLite, where a version of the data is cheap to read; off elsewhere."""
    if not wanted or engine.dialect.name != "sqlite":
        return ReadCache(writes, None, enabled=False)
    path = engine.url.database
    if not path or path == ":memory:":
        return ReadCache(writes, None, enabled=True)
    return ReadCache(writes, FileVersion(path), enabled=True)


def _make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)

    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if in_memory:
        # An in-memory database lives in its one connection; share it.
        options["poolclass"] = StaticPool
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy (below) decide when transactions begin, not the sqlite3 module.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if not in_memory:
            # WAL: readers never wait for the writer. NORMAL sync: a commit survives the
            # process being killed (it is in the OS's hands), at a fraction of FULL's cost.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _has_rows(session: Session, table: str) -> bool:
    return session.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None
