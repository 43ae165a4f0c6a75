"""Long-lived answers (Server-Sent Events): how many a server keeps open, and when they end.

A stream holds a connection and polls the database for as long as its client listens,
so a server keeps at most `max_streams` open at once; one more is refused with 503.
The count is the process's own (each of `--workers N` has its own): it bounds what this
process holds, and changes nothing a sandbox answers.

A server asked to stop (SIGTERM, Ctrl-C) waits for its open requests to end, and a
stream would never end: `stop_on_signals` notes the signal, on its way to the server's
own handler, and every stream ends at its next poll.
"""

import asyncio
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Threads that run the streams' polls: their own, so that however many streams wait on
# the database, the journal's writes and the requests' work never wait behind them.
POLL_THREADS = 2

T = TypeVar("T")


class TooManyStreams(RuntimeError):
    pass


class Streams:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._pollers: ThreadPoolExecutor | None = None

    async def run(self, work: Callable[[], T]) -> T:
        """`work` (blocking database reads) on the streams' own threads."""
        if self._pollers is None:
            self._pollers = ThreadPoolExecutor(POLL_THREADS, thread_name_prefix="mockrefund-stream")
        return await asyncio.get_running_loop().run_in_executor(self._pollers, work)

    def close(self) -> None:
        """End the streams (at their next poll) and let their threads go."""
        self.stopping.set()
        if self._pollers is not None:
            self._pollers.shutdown(wait=False, cancel_futures=True)

    def take(self) -> "Slot":
        """A place for one more stream, or `TooManyStreams`."""
        with self._lock:
            if self.open >= self.limit:
                raise TooManyStreams(
                    f"this server has {self.open} streams open, its limit "
                    "(MOCKREFUND_MAX_STREAMS); close one, or try again later"
                )
            self.open += 1
        return Slot(self)

    def _give_back(self) -> None:
        with self._lock:
            self.open -= 1

    @contextmanager
    def stop_on_signals(self) -> Iterator[None]:
        """While the server runs: a stop signal also ends the streams. Only the main
        thread can handle signals; a server run elsewhere (in a test) is stopped by its
        owner, which ends the streams with the app."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous: dict[int, Any] = {}

        def note(signum: int, frame: FrameType | None) -> None:
            self.stopping.set()
            handler = previous.get(signum)
            if callable(handler):
                handler(signum, frame)
            elif handler == signal.SIG_DFL:
                signal.signal(signum, signal.SIG_DFL)
                signal.raise_signal(signum)

        for chosen in SIGNALS:
            previous[chosen] = signal.signal(chosen, note)
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


class Slot:
    """One stream's place; given back once, however the stream ends."""

    def __init__(self, streams: Streams) -> None:
        self._streams: Streams | None = streams

    @property
    def stopping(self) -> bool:
        return self._streams is None or self._streams.stopping.is_set()

    async def run(self, work: Callable[[], T]) -> T:
        assert self._streams is not None, "a stream polls only while it holds its slot"
        return await self._streams.run(work)

    def give_back(self) -> None:
        if self._streams is not None:
            streams, self._streams = self._streams, None
            streams._give_back()
