"""A small reader of Server-Sent Events, for tests of the journal's streams."""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

# Seconds an event may take to come before the test fails.
PATIENCE = 20.0


@dataclass
class Event:
    id: str | None
    kind: str
    data: Any


class EventReader:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.iter_lines()

    def next(self) -> Event:
        """The next event (comments and the `retry` field skipped). A test fails, rather
        than hangs, on an event that does not come: the server's keep-alive comments
        come every 15 seconds, and after `PATIENCE` the next one ends the wait."""
        deadline = time.monotonic() + PATIENCE
        fields: dict[str, str] = {}
        for line in self._lines:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no event within {PATIENCE} seconds")
            if line == "":
                if "data" in fields or "event" in fields:
                    data = json.loads(fields["data"]) if "data" in fields else None
                    return Event(fields.get("id"), fields.get("event", "message"), data)
                fields = {}
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        raise EOFError("the stream ended")

    def take(self, count: int) -> list[Event]:
        return [self.next() for _ in range(count)]


@contextmanager
def stream(url: str, headers: dict[str, str] | None = None, **params: Any) -> Iterator[EventReader]:
    """An open stream, once its server answered (its greeting read): what is recorded
    from then on is in it."""
    # A read that waits longer than this fails the test rather than hanging it.
    with (
        httpx.Client(timeout=httpx.Timeout(20.0)) as client,
        client.stream("GET", url, headers=headers, params=params) as response,
    ):
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = EventReader(response)
        first = next(reader._lines)
        assert first.startswith(":"), first  # the greeting: the stream is open
        yield reader
