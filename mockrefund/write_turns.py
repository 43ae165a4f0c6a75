"""First come, first served turns at a SQLite file's one write lock, within a process.

SQLite hands its write lock to nobody in particular: a connection that finds it taken
sleeps and tries again (1, 2, 5, ... up to 100 ms at a time), so a thread that takes
the lock again and again — a big sandbox copied in steps, or a stream of refunds — can
keep another waiting for as long as it goes on. Taking turns here first, in the order
asked, a writer waits only for those ahead of it, and the turn is handed to it the
moment the one before ends. (Other processes on the same file still meet SQLite's own
waiting.)
"""

import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError


class WriteTurns:
    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._guard = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._busy = False
        # The thread whose turn it is: a turn inside its own turn goes straight in.
        self._owner: int | None = None

    @contextmanager
    def turn(self) -> Iterator[None]:
        me = threading.get_ident()
        if self._owner == me:
            yield
            return
        self._take(me)
        try:
            yield
        finally:
            self._hand_on()

    def _take(self, me: int) -> None:
        with self._guard:
            if not self._busy:
                self._busy = True
                self._owner = me
                return
            handed = threading.Event()
            self._waiting.append(handed)
        if not handed.wait(self._timeout):
            with self._guard:
                if not handed.is_set():  # still queued: leave the queue, give up
                    self._waiting.remove(handed)
                    raise OperationalError(
                        "BEGIN", None, sqlite3.OperationalError("database is locked")
                    )
        self._owner = me  # handed over by `_hand_on`, which kept `_busy` set

    def _hand_on(self) -> None:
        with self._guard:
            self._owner = None
            if self._waiting:
                self._waiting.popleft().set()  # the turn passes without ever being free
            else:
                self._busy = False
