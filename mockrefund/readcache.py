"""What the last reads found, kept until anything is written to the database.

Most requests of a test suite or a benchmark read what has not changed since the last
request: the sandbox and its clock, the caller's credential, the order asked about.
Reading those again costs several SQL statements through the ORM for each request;
keeping them costs a lookup.

The cache is never stale, because it is tied to the database's write count, not to a
time to live: every entry was read at one *version* of the database, and the whole cache
is dropped as soon as the version moves. On SQLite the version is

- the file's `PRAGMA data_version`, read on a connection of its own, which moves when any
  other connection commits: this process's writers, and other processes on the same
  file too (but not the journal and the like, written on that same connection: see
  `db.Database.side_write`);
- plus a count of this process's own commits, for an in-memory database, which has only
  one connection and so never sees its own commits in `data_version`.

On other databases (PostgreSQL, where several servers may share the data) there is no
cheap version to read, and the cache is off: every read goes to the database.

Entries are shared: callers treat what they get as read-only.
"""

import contextlib
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

# At most this many entries: past it the oldest goes. A test suite's working set (a few
# orders per sandbox, polled again and again) is far below it. The bound is low on
# purpose: every entry is some thirty Python objects, which each full pass of the garbage
# collector walks; 2,048 entries keep such a pass to a few tens of milliseconds, where
# 20,000 made it stall the server for over a second.
MAX_ENTRIES = 2_048


class WriteCounter:
    """This process's own commits."""

    def __init__(self) -> None:
        self.count = 0

    def bump(self) -> None:
        self.count += 1


class ReadCache:
    def __init__(
        self, writes: WriteCounter, file: Callable[[], int | None] | None, enabled: bool
    ) -> None:
        self._writes = writes
        self._file = file
        self.enabled = enabled
        # (version, entries) swapped as one object, so that threads racing on a version
        # change never mix the entries of two versions.
        self._state: tuple[Hashable, dict[Hashable, Any]] = ((), {})

    def version(self) -> Hashable | None:
        """The database's version now; None when it cannot be read without waiting."""
        if self._file is None:
            return self._writes.count
        file_version = self._file()
        return None if file_version is None else (self._writes.count, file_version)

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """The value read for `key` at the current version, read by `load` if need be.

        The version is taken before `load` reads: a write landing in between makes the
        stored value newer than its version says, which only costs a reload.
        """
        if not self.enabled:
            return load()
        version = self.version()
        if version is None:
            return load()  # unknown version: read, and keep nothing
        seen, entries = self._state
        if seen != version:
            entries = {}
            self._state = (version, entries)
        try:
            value: T = entries[key]
            return value
        except KeyError:
            pass
        value = load()
        if len(entries) >= MAX_ENTRIES:
            _drop_oldest(entries)
        entries[key] = value
        return value

    def offer(self, version: Hashable | None, values: dict[Hashable, Any]) -> None:
        """Keep `values`, all read at `version` (taken before the read, as in `get`)."""
        if not self.enabled or version is None:
            return
        seen, entries = self._state
        if seen != version:
            entries = {}
            self._state = (version, entries)
        for key, value in values.items():
            if len(entries) >= MAX_ENTRIES:
                _drop_oldest(entries)
            entries[key] = value

    def peek(self, key: Hashable) -> Any:
        """What the cache holds for `key` at the current version, or None; never loads."""
        if not self.enabled:
            return None
        seen, entries = self._state
        version = self.version()
        if version is None or seen != version:
            return None
        return entries.get(key)


def _drop_oldest(entries: dict[Hashable, Any]) -> None:
    # Dicts keep insertion order: the first key is the oldest entry. Another thread may
    # change the dict meanwhile; then some other entry goes, or none, which is as good.
    with contextlib.suppress(RuntimeError, StopIteration):
        entries.pop(next(iter(entries)), None)
