"""Following a journal as it grows: what a stream of it reads, batch after batch.

Every server writes the journal to the database, so a follower reads it there, whoever
took the requests. Each call is short, read-only database work (run off the event loop
by the caller), and reads at most `BATCH` entries: a client that reads slowly is sent
the next batch only once it took the last.

A sandbox's journal is followed by position (its own 1, 2, 3, ...). Positions are handed
out under the sandbox's head row, which its writer holds until it commits, so entries
become visible in position order: reading past the last position seen never skips one.
When nothing was written, a poll is one statement of lookups by key (the sandbox, its
head row, the entry last read, which tells a reset: positions then start over).

The whole server's journal is followed by id. Ids come from one sequence, and on
PostgreSQL two sandboxes' writers may commit out of id order; the ids skipped over are
looked for again for `LATE_SECONDS`, so that a late commit is still seen.
"""

import time
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, or_, select

from mockrefund.controls.journal import Entry, Filter, _entry
from mockrefund.controls.patterns import compile_pattern
from mockrefund.controls.tables import JournalEntry, JournalHead
from mockrefund.core.models import Sandbox
from mockrefund.core.values import table_of
from mockrefund.db import Database

# Entries read per poll: what a stream holds in memory at most, beyond its socket's buffer.
BATCH = 16
# How long an id skipped over (a write not yet committed) is looked for again.
LATE_SECONDS = 5.0
# Ids looked for again at most (the oldest are given up first).
LATE_KEPT = 1024

_JOURNAL = table_of(JournalEntry)
_HEAD = table_of(JournalHead)
_SANDBOX = table_of(Sandbox)

# The sandbox, its last position, and the id of the entry at the position last read:
# three lookups by key, in one statement.
_WHERE_IT_STANDS = (
    select(_SANDBOX.c.id, _HEAD.c.last_position, _JOURNAL.c.id.label("entry_id"))
    .select_from(
        _SANDBOX.outerjoin(_HEAD, _HEAD.c.sandbox_id == _SANDBOX.c.id).outerjoin(
            _JOURNAL,
            (_JOURNAL.c.sandbox_id == _SANDBOX.c.id)
            & (_JOURNAL.c.position == bindparam("position")),
        )
    )
    .where(_SANDBOX.c.id == bindparam("sandbox_id"))
)
_AFTER_POSITION = (
    select(_JOURNAL)
    .where(
        _JOURNAL.c.sandbox_id == bindparam("sandbox_id"),
        _JOURNAL.c.position > bindparam("position"),
    )
    .order_by(_JOURNAL.c.position)
    .limit(BATCH + 1)
)
_NEWEST = (
    select(_JOURNAL.c.id, _JOURNAL.c.position)
    .where(_JOURNAL.c.sandbox_id == bindparam("sandbox_id"))
    .order_by(_JOURNAL.c.position.desc())
    .limit(1)
)
_LAST_UP_TO = select(func.max(_JOURNAL.c.position)).where(
    _JOURNAL.c.sandbox_id == bindparam("sandbox_id"), _JOURNAL.c.id <= bindparam("id")
)
_NEWEST_ID = select(func.max(_JOURNAL.c.id))


@dataclass
class Batch:
    """What a poll found: the new entries that match, each with its sandbox's id, and
    whether the sandbox followed is gone."""

    entries: list[tuple[str, Entry]] = field(default_factory=list)
    gone: bool = False
    more: bool = False  # more were there than one batch holds: poll again at once


def matches(entry: Entry, where: Filter) -> bool:
    """Whether the entry passes the filter (the journal list's, applied to one entry)."""
    if where.platform is not None and entry.platform != where.platform:
        return False
    if where.method is not None and entry.method != where.method.upper():
        return False
    if where.status is not None and entry.status != where.status:
        return False
    if where.since is not None and entry.at < where.since:
        return False
    if where.until is not None and entry.at > where.until:
        return False
    return where.path is None or compile_pattern(where.path).search(entry.path) is not None


class SandboxFollower:
    """A sandbox's journal, from after entry `after` (an id), or from now if None."""

    def __init__(self, db: Database, sandbox_id: str, where: Filter, after: int | None) -> None:
        self.db = db
        self.sandbox_id = sandbox_id
        self.where = where
        # The last entry read: its id (what a client resumes from) and its position.
        self.last_id = 0
        self.position = 0
        with db.read() as session:
            conn = session.connection()
            if after is None:
                newest = conn.execute(_NEWEST, {"sandbox_id": sandbox_id}).first()
                if newest is not None:
                    self.last_id, self.position = int(newest.id), int(newest.position)
            else:
                # Entries hold ids and positions in the same order: the entries up to
                # `after` end at this position (those after it were not seen).
                self.last_id = after
                found = conn.execute(_LAST_UP_TO, {"sandbox_id": sandbox_id, "id": after})
                self.position = int(found.scalar() or 0)

    def poll(self) -> Batch:
        where = {"sandbox_id": self.sandbox_id, "position": self.position}
        with self.db.read() as session:
            conn = session.connection()
            row = conn.execute(_WHERE_IT_STANDS, where).first()
            if row is None:
                return Batch(gone=True)
            head = int(row.last_position or 0)
            if head < self.position or row.entry_id not in (None, self.last_id):
                # The sandbox was reset: its positions started over (its ids go on),
                # and the position last read is now short of the head, or holds
                # another entry. Its new journal is read from the start.
                self.position = where["position"] = 0
            if head == self.position:
                return Batch()
            rows = conn.execute(_AFTER_POSITION, where).all()
        batch = Batch(more=len(rows) > BATCH)
        for row in rows[:BATCH]:
            self.position = int(row.position)
            if row.id <= self.last_id:
                continue
            self.last_id = int(row.id)
            entry = _entry(row._mapping)
            if matches(entry, self.where):
                batch.entries.append((self.sandbox_id, entry))
        return batch


class ServerFollower:
    """Every sandbox's journal, from after entry `after` (an id), or from now if None;
    each entry comes with its sandbox's id."""

    def __init__(self, db: Database, where: Filter, after: int | None) -> None:
        self.db = db
        self.where = where
        self.last_id = after or 0
        # Ids skipped over, and until when (monotonic seconds) they are looked for.
        self.late: dict[int, float] = {}
        if after is None:
            with db.read() as session:
                self.last_id = int(session.connection().execute(_NEWEST_ID).scalar() or 0)

    def poll(self) -> Batch:
        now = time.monotonic()
        self.late = {key: until for key, until in self.late.items() if until > now}
        condition = _JOURNAL.c.id > self.last_id
        if self.late:
            condition = or_(condition, _JOURNAL.c.id.in_(list(self.late)))
        statement = select(_JOURNAL).where(condition).order_by(_JOURNAL.c.id).limit(BATCH)
        with self.db.read() as session:
            rows = session.connection().execute(statement).all()
        batch = Batch(more=len(rows) == BATCH)
        for row in rows:
            entry_id = int(row.id)
            if entry_id in self.late:
                del self.late[entry_id]
            elif entry_id > self.last_id:
                if self.db.is_postgres:  # SQLite commits one writer at a time, in id order
                    self._skipped(range(self.last_id + 1, entry_id), now)
                self.last_id = entry_id
            entry = _entry(row._mapping)
            if matches(entry, self.where):
                batch.entries.append((str(row.sandbox_id), entry))
        return batch

    def _skipped(self, ids: range, now: float) -> None:
        for entry_id in ids[-LATE_KEPT:]:
            self.late[entry_id] = now + LATE_SECONDS
        while len(self.late) > LATE_KEPT:
            del self.late[next(iter(self.late))]
