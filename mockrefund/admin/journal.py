"""The request journal: every request to an emulated API and its response, per sandbox.

Kept in memory, bounded per sandbox (the oldest entries go first), and emptied when the
sandbox is reset or deleted. Bodies are kept up to a limit, as text.
"""

import itertools
import re
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

BODY_LIMIT = 64 * 1024


@dataclass
class Entry:
    id: int
    at: datetime
    platform: str
    method: str
    path: str
    query: str
    request_headers: dict[str, str]
    request_body: str
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    duration_ms: float = 0.0
    fault: int | None = None
    nearest_routes: list[str] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Filter:
    platform: str | None = None
    method: str | None = None
    path: str | None = None  # a regular expression, searched in the path
    status: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, entry: Entry) -> bool:
        return (
            (self.platform is None or entry.platform == self.platform)
            and (self.method is None or entry.method == self.method.upper())
            and (self.path is None or re.search(self.path, entry.path) is not None)
            and (self.status is None or entry.status == self.status)
            and (self.since is None or entry.at >= self.since)
            and (self.until is None or entry.at <= self.until)
        )


class Journal:
    def __init__(self, size: int) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, entry: Entry) -> None:
        with self._lock:
            self._entries.append(entry)

    def select(self, where: Filter, limit: int | None = None) -> list[Entry]:
        with self._lock:
            found = [entry for entry in self._entries if where.matches(entry)]
        return found[-limit:] if limit else found

    def count(self, where: Filter) -> int:
        with self._lock:
            return sum(1 for entry in self._entries if where.matches(entry))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_ids = itertools.count(1)


def next_id() -> int:
    return next(_ids)


def text_of(body: bytes) -> str:
    return body[:BODY_LIMIT].decode("utf-8", errors="replace")


def headers_of(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in raw}
