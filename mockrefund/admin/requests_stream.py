"""The journal as it happens: Server-Sent Events of each request a sandbox records.

`GET /__admin/requests/stream` (and `/__admin/sandboxes/{id}/requests/stream`) follows one
sandbox's journal; `GET /__admin/requests/stream/all` follows every sandbox's, for an
operator. Each recorded request is one event: `id:` the entry's id, `event: request`,
`data:` the entry as the journal lists it. A client that reconnects with `Last-Event-ID`
gets what it missed and nothing twice; `after=ID` starts after that entry (`after=0`: the
whole journal kept), and without either a stream starts with the next request;
`stop_after=N` ends it after N events (a script that waits for the next request).

Entries are read from the database (see `controls.journal_follow`), so a stream sees the
requests every server took. Polls run on the streams' own threads; between them the
stream sleeps on the event loop. A stream ends when its client goes, its sandbox is deleted (a last
`event: end`), or the server stops.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request
from pydantic_core import to_json
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from mockrefund.admin.deps import RuntimeDep, SandboxDep
from mockrefund.admin.requests import FilterDep
from mockrefund.controls.journal_follow import Batch, SandboxFollower, ServerFollower
from mockrefund.web.streams import Slot, Streams

router = APIRouter(tags=["journal"])
# Mounted once, at the control plane's root: it is no sandbox's.
server_router = APIRouter(tags=["journal"])

# Seconds between polls of the database while nothing new comes.
POLL_SECONDS = 0.25
# Seconds of silence after which a comment goes out, so that proxies and clients keep
# the connection (and a client gone away is noticed).
KEEP_ALIVE_SECONDS = 15.0
# What a client waits before it reconnects (EventSource reads it), in milliseconds.
RETRY_MS = 1000

AfterQuery = Annotated[
    int | None,
    Query(ge=0, description="Start after this entry id (0: the whole journal kept)."),
]
LastEventId = Annotated[str | None, Header(description="Resume after this entry id.")]
StopAfterQuery = Annotated[
    int | None,
    Query(ge=1, description="End the stream after this many events (a script waiting for N)."),
]


STREAM_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "Events, until the end"},
    400: {"description": "A bad filter or Last-Event-ID"},
    503: {"description": "The server holds `max_streams` streams (or the sandbox is reset)"},
}


def streams_of(request: Request) -> Streams:
    streams: Streams = request.app.state.streams
    return streams


class EventStream(StreamingResponse):
    """An SSE answer that gives its slot back however it ends (or if it never starts)."""

    def __init__(self, events: AsyncIterator[bytes], slot: Slot) -> None:
        super().__init__(
            events,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self.slot = slot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slot.give_back()


def event(entry_id: int, data: dict[str, Any], kind: str = "request") -> bytes:
    """One event; its data is JSON on one line, as the journal's list writes it."""
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (entry_id, kind.encode(), to_json(data))


def _start_after(after: int | None, last_event_id: str | None) -> int | None:
    """Where the stream starts: after `Last-Event-ID` (a reconnect), else `after`."""
    if last_event_id is None or not last_event_id.strip():
        return after
    value = last_event_id.strip()
    if not value.isdigit() or len(value) > 19:
        raise HTTPException(400, "Last-Event-ID: an entry id (a whole number) was expected")
    return int(value)


@router.get(
    "/requests/stream",
    summary="Follow the journal (Server-Sent Events)",
    response_class=StreamingResponse,
    responses=STREAM_ANSWERS,
)
def stream_requests(
    request: Request,
    runtime: RuntimeDep,
    sandbox_id: SandboxDep,
    where: FilterDep,
    after: AfterQuery = None,
    last_event_id: LastEventId = None,
    stop_after: StopAfterQuery = None,
) -> EventStream:
    """Each request the sandbox records from now on (or after `after` / `Last-Event-ID`),
    filtered as the journal's list is."""
    start = _start_after(after, last_event_id)

    def render(batch: Batch) -> list[bytes]:
        return [event(entry.id, entry.view()) for _, entry in batch.entries]

    return _stream(
        request, lambda: SandboxFollower(runtime.db, sandbox_id, where, start), render, stop_after
    )


@server_router.get(
    "/requests/stream/all",
    summary="Follow every sandbox's journal (Server-Sent Events)",
    response_class=StreamingResponse,
    responses=STREAM_ANSWERS,
)
def stream_all_requests(
    request: Request,
    runtime: RuntimeDep,
    where: FilterDep,
    after: AfterQuery = None,
    last_event_id: LastEventId = None,
    stop_after: StopAfterQuery = None,
) -> EventStream:
    """As the sandbox's stream, for every sandbox; each entry also says its `sandbox`."""
    start = _start_after(after, last_event_id)

    def render(batch: Batch) -> list[bytes]:
        return [
            event(entry.id, {"id": entry.id, "sandbox": sandbox, **entry.view()})
            for sandbox, entry in batch.entries
        ]

    return _stream(request, lambda: ServerFollower(runtime.db, where, start), render, stop_after)


def _stream(
    request: Request,
    follow: Callable[[], SandboxFollower | ServerFollower],
    render: Callable[[Batch], list[bytes]],
    stop_after: int | None,
) -> EventStream:
    """A stream in one of the server's slots (given back if the follower cannot start)."""
    slot = streams_of(request).take()
    try:
        follower = follow()
    except BaseException:
        slot.give_back()
        raise
    return EventStream(_events(follower.poll, render, slot, stop_after), slot)


async def _events(
    poll: Callable[[], Batch],
    render: Callable[[Batch], list[bytes]],
    slot: Slot,
    stop_after: int | None = None,
) -> AsyncIterator[bytes]:
    """The stream's bytes: a greeting at once (so the client knows it is connected),
    then each batch as it is found, a comment now and then, `end` if the sandbox goes."""
    yield f": mockrefund journal\nretry: {RETRY_MS}\n\n".encode()
    quiet = 0.0
    left = stop_after
    while not slot.stopping:
        batch = await slot.run(poll)
        for chunk in render(batch):
            yield chunk  # waits while the client's socket is full: nothing piles up
            if left is not None:
                left -= 1
                if left == 0:
                    return
        if batch.gone:
            yield b'event: end\ndata: {"reason":"the sandbox was deleted"}\n\n'
            return
        if batch.entries:
            quiet = 0.0
        if batch.more:
            continue
        await asyncio.sleep(POLL_SECONDS)
        quiet += POLL_SECONDS
        if quiet >= KEEP_ALIVE_SECONDS:
            quiet = 0.0
            yield b": keep-alive\n\n"
