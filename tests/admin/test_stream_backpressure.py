"""A stream reads the journal only as fast as its client takes the events: a client that
reads slowly holds at most one batch of entries in the server."""

import asyncio
from datetime import UTC, datetime

from mockrefund.admin.requests_stream import _events, event
from mockrefund.controls.journal import Entry
from mockrefund.controls.journal_follow import BATCH, Batch
from mockrefund.web.streams import Streams


def entry(number: int) -> Entry:
    at = datetime(2030, 1, 1, tzinfo=UTC)
    return Entry(
        at=at, platform="kakaclo", method="GET", path="/", query="", request_headers={}, id=number
    )


def test_the_next_batch_is_read_only_once_the_client_took_the_last() -> None:
    polls: list[int] = []

    def poll() -> Batch:
        # Always more waiting in the journal, as behind a client that cannot keep up.
        first = len(polls) * BATCH + 1
        polls.append(first)
        return Batch(entries=[("s", entry(n)) for n in range(first, first + BATCH)], more=True)

    def render(batch: Batch) -> list[bytes]:
        return [event(e.id, e.view()) for _, e in batch.entries]

    async def client() -> None:
        streams = Streams(limit=1)
        slot = streams.take()
        events = _events(poll, render, slot)
        assert (await anext(events)).startswith(b": mockrefund journal")
        for number in range(1, BATCH + 1):
            assert (await anext(events)).startswith(b"id: %d\n" % number)
            assert len(polls) == 1  # the client is still in the first batch
        assert (await anext(events)).startswith(b"id: %d\n" % (BATCH + 1))
        assert len(polls) == 2
        await events.aclose()
        slot.give_back()
        streams.close()
        assert streams.open == 0

    asyncio.run(client())
