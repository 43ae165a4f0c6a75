"""The request journal: every request to an emulated API and its answer, per sandbox.

One journal per sandbox, in the database, whichever server took the request: each entry
takes the next position of its sandbox (one row per sandbox, bumped in the entry's own
transaction), and the entry `journal_size` positions back goes in the same transaction,
so a journal never holds more than that. Bodies are kept up to a limit, as text.
"""

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Insert, Select, bindparam, delete, exists, func, insert, select

from mockrefund.controls.patterns import compile_pattern
from mockrefund.controls.tables import JournalEntry, JournalHead
from mockrefund.core.models import Sandbox
from mockrefund.core.values import table_of
from mockrefund.db import Database, insert_with_upsert

# What an entry keeps of a request and its answer; past these, a marker says how much
# there was. An entry then holds at most about 2 * (64 KiB + 64 * 4 KiB).
BODY_LIMIT = 64 * 1024
HEADER_LIMIT = 4 * 1024
HEADERS_KEPT = 64
TRUNCATED = "…[truncated by the journal: {size} bytes in all]"
LEFT_OUT_HEADER = "x-mockrefund-journal-headers-left-out"

log = logging.getLogger("mockrefund")


@dataclass
class Entry:
    """An entry as the traffic middleware fills it in, then as the journal reads it."""

    at: datetime
    platform: str
    method: str
    path: str
    query: str
    request_headers: dict[str, str]
    request_body: str = ""
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    duration_ms: float = 0.0
    fault: int | None = None
    nearest_routes: list[str] = field(default_factory=list)
    id: int = 0  # given by the database when recorded

    def view(self) -> dict[str, Any]:
        view = asdict(self)
        return {"id": view.pop("id"), **view}


@dataclass(frozen=True)
class Filter:
    platform: str | None = None
    method: str | None = None
    path: str | None = None  # a regular expression, searched in the path
    status: int | None = None
    since: datetime | None = None
    until: datetime | None = None


_JOURNAL = table_of(JournalEntry)
_HEAD = table_of(JournalHead)
_SANDBOX = table_of(Sandbox)


def record(db: Database, entries: list[tuple[str, Entry]], size: int) -> None:
    """Append each (sandbox id, entry) to its sandbox's journal, all in one transaction;
    each entry gets its id. An entry of a sandbox that does not exist (a request to a
    made-up sandbox) is not kept."""
    if size <= 0:
        return
    by_sandbox: dict[str, list[Entry]] = {}
    for sandbox_id, entry in entries:
        by_sandbox.setdefault(sandbox_id, []).append(entry)
    with db.side_write() as conn:
        bump = _bump_statement(conn.dialect.name)
        # Per sandbox, three statements for the whole batch: take its positions, add its
        # entries, drop what fell out of the window.
        for sandbox_id, batch in by_sandbox.items():
            last = conn.execute(bump, {"sandbox_id": sandbox_id, "taken": len(batch)}).scalar()
            if last is None:
                continue
            first = last - len(batch) + 1
            rows = [
                _columns(entry, sandbox_id, position)
                for position, entry in enumerate(batch, start=first)
            ]
            ids = conn.execute(_INSERT, rows).scalars().all()
            for entry, entry_id in zip(batch, ids, strict=True):
                entry.id = int(entry_id)
            conn.execute(_PRUNE, {"sandbox_id": sandbox_id, "oldest_kept": last - size + 1})


class JournalWriter:
    """Records entries for the requests in flight, many to a transaction.

    A request's entry must be in the database before its answer leaves (so whatever the
    client asks next, of any server, sees it), but a transaction per request would make
    the journal most of a request's cost. So entries wait in a queue while one batch is
    written off the event loop, and go together in the next: under load, a commit
    serves dozens of requests; alone, a request waits for its own commit only.
    """

    def __init__(self, db: Database, size: int) -> None:
        self.db = db
        self.size = size
        self._queue: list[tuple[str, Entry, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, sandbox_id: str, entry: Entry) -> None:
        if self.size <= 0:
            return
        done = asyncio.get_running_loop().create_future()
        self._queue.append((sandbox_id, entry, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="mockrefund-journal")
        await done

    async def _write(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                await asyncio.to_thread(
                    record, self.db, [(sandbox, entry) for sandbox, entry, _ in batch], self.size
                )
            except Exception:
                # The journal is for looking back; a failure to keep an entry must not
                # cost the client its answer.
                log.exception("could not record %d journal entries", len(batch))
            for _, _, done in batch:
                if not done.done():
                    done.set_result(None)


def select_entries(
    db: Database, sandbox_id: str, where: Filter, limit: int | None = None
) -> list[Entry]:
    """Matching entries, oldest first (the newest `limit` of them, when given)."""
    statement = _filtered(select(_JOURNAL), sandbox_id, where).order_by(_JOURNAL.c.position)
    with db.read() as session:
        rows = session.connection().execute(statement).all()
    entries = [_entry(row._mapping) for row in rows]
    if where.path is not None:
        pattern = compile_pattern(where.path)
        entries = [entry for entry in entries if pattern.search(entry.path)]
    return entries[-limit:] if limit else entries


def newest_after(db: Database, sandbox_id: str, after: int, limit: int) -> list[Entry]:
    """The newest `limit` entries recorded after the entry with id `after` (0: from the
    start), oldest first: what a live view has not shown yet. Ids grow with positions
    within a sandbox (a sandbox's entries are taken in turn, see `record`)."""
    statement = (
        select(_JOURNAL)
        .where(_JOURNAL.c.sandbox_id == sandbox_id, _JOURNAL.c.id > after)
        .order_by(_JOURNAL.c.position.desc())
        .limit(limit)
    )
    with db.read() as session:
        rows = session.connection().execute(statement).all()
    return [_entry(row._mapping) for row in reversed(rows)]


def count(db: Database, sandbox_id: str, where: Filter) -> int:
    if where.path is None:
        statement = _filtered(select(func.count()).select_from(_JOURNAL), sandbox_id, where)
        with db.read() as session:
            return int(session.connection().execute(statement).scalar_one())
    statement = _filtered(select(_JOURNAL.c.path), sandbox_id, where)
    pattern = compile_pattern(where.path)
    with db.read() as session:
        paths = session.connection().execute(statement).scalars()
        return sum(1 for path in paths if pattern.search(path))


def _filtered(statement: Select[Any], sandbox_id: str, where: Filter) -> Select[Any]:
    """The filter's conditions in SQL, but for the path: regular expressions differ
    between databases, so the path is searched in Python, over at most `journal_size`
    entries."""
    statement = statement.where(_JOURNAL.c.sandbox_id == sandbox_id)
    if where.platform is not None:
        statement = statement.where(_JOURNAL.c.platform == where.platform)
    if where.method is not None:
        statement = statement.where(_JOURNAL.c.method == where.method.upper())
    if where.status is not None:
        statement = statement.where(_JOURNAL.c.status == where.status)
    if where.since is not None:
        statement = statement.where(_JOURNAL.c.recorded_at >= where.since)
    if where.until is not None:
        statement = statement.where(_JOURNAL.c.recorded_at <= where.until)
    return statement


def clear(db: Database, sandbox_id: str) -> None:
    """Forget the entries; positions go on from where they were."""
    with db.write() as session:
        session.execute(delete(_JOURNAL).where(_JOURNAL.c.sandbox_id == sandbox_id))


def text_of(body: bytes, limit: int = BODY_LIMIT) -> str:
    """The body as text, cut at `limit` bytes with a marker that says so."""
    if len(body) <= limit:
        return body.decode("utf-8", errors="replace")
    kept = body[:limit].decode("utf-8", errors="ignore")
    return kept + TRUNCATED.format(size=len(body))


def headers_of(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """The headers, each value cut at `HEADER_LIMIT` bytes, at most `HEADERS_KEPT` of them
    (a last entry counts those left out): a client cannot make an entry big."""
    headers: dict[str, str] = {}
    left_out = 0
    for name, value in raw:
        if len(headers) >= HEADERS_KEPT:
            left_out += 1
            continue
        key = name[:HEADER_LIMIT].decode("latin-1")
        headers[key] = (
            text_of(value, HEADER_LIMIT) if len(value) > HEADER_LIMIT else value.decode("latin-1")
        )
    if left_out:
        headers[LEFT_OUT_HEADER] = str(left_out)
    return headers


def _columns(entry: Entry, sandbox_id: str, position: int) -> dict[str, Any]:
    return {
        "sandbox_id": sandbox_id,
        "position": position,
        "recorded_at": entry.at,
        "platform": entry.platform,
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "request_headers": entry.request_headers,
        "request_body": entry.request_body,
        "status": entry.status,
        "response_headers": entry.response_headers,
        "response_body": entry.response_body,
        "duration_ms": entry.duration_ms,
        "fault": entry.fault,
        "nearest_routes": entry.nearest_routes,
    }


def _entry(row: Any) -> Entry:
    return Entry(
        id=row["id"],
        at=row["recorded_at"],
        platform=row["platform"],
        method=row["method"],
        path=row["path"],
        query=row["query"],
        request_headers=row["request_headers"],
        request_body=row["request_body"],
        status=row["status"],
        response_headers=row["response_headers"],
        response_body=row["response_body"],
        duration_ms=row["duration_ms"],
        fault=row["fault"],
        nearest_routes=row["nearest_routes"],
    )


@cache  # built once per dialect: building costs more than running it
def _bump_statement(dialect: str) -> Insert:
    """The sandbox's last position after taking `taken` more: its head row made (only for
    a sandbox that exists) or bumped, in one statement that two servers cannot both read
    before writing."""
    build = insert_with_upsert(dialect)
    statement = build(_HEAD).from_select(
        ["sandbox_id", "last_position"],
        select(bindparam("sandbox_id"), bindparam("taken", type_=BigInteger)).where(
            exists().where(_SANDBOX.c.id == bindparam("sandbox_id"))
        ),
    )
    return statement.on_conflict_do_update(
        index_elements=[_HEAD.c.sandbox_id],
        set_={"last_position": _HEAD.c.last_position + bindparam("taken", type_=BigInteger)},
    ).returning(_HEAD.c.last_position)


_INSERT = insert(_JOURNAL).returning(_JOURNAL.c.id, sort_by_parameter_order=True)
_PRUNE = delete(_JOURNAL).where(
    _JOURNAL.c.sandbox_id == bindparam("sandbox_id"),
    _JOURNAL.c.position < bindparam("oldest_kept"),
)
