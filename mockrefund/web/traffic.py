"""What happens around every request to an emulated API: faults, then the journal.

A pure ASGI middleware (no per-request object churn of `BaseHTTPMiddleware`). For a path
that belongs to a platform it
1. applies the first fault rule of the sandbox that fires: latency, a dropped connection,
   or an answer with the rule's status in the platform's own format;
2. otherwise passes the request on;
3. records the request and its answer in the sandbox's journal, before the answer's last
   byte leaves.

Both are database work (shared by every server), done off the event loop.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockrefund.clock import wall_now
from mockrefund.controls import faults
from mockrefund.controls.faults import NO_BODY, Fault
from mockrefund.controls.journal import Entry, JournalWriter, headers_of, text_of
from mockrefund.core import sandboxes
from mockrefund.core.sandboxes import DEFAULT_SANDBOX
from mockrefund.runtime import Runtime
from mockrefund.web import request_context
from mockrefund.web.dialects import Dialect, DialectRegistry
from mockrefund.web.observe import FAULT_KEY
from mockrefund.web.responses import WireJSON
from mockrefund.web.sandbox_routing import ORIGINAL_PATH_KEY, SANDBOX_KEY

NEAREST_HEADER = "x-mockrefund-nearest-routes"


class Traffic:
    def __init__(self, app: ASGIApp, registry: DialectRegistry, runtime: Runtime) -> None:
        self.app = app
        self.registry = registry
        self.runtime = runtime
        self.journal = JournalWriter(runtime.db, runtime.settings.journal_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        dialect = self.registry.for_path(scope["path"])
        if dialect is self.registry.fallback:
            await self.app(scope, receive, send)
            return

        state = scope.setdefault("state", {})
        sandbox_id = state.get(SANDBOX_KEY, DEFAULT_SANDBOX)
        started = time.perf_counter()
        entry = Entry(
            at=wall_now(),
            platform=dialect.name,
            method=scope["method"],
            path=state.get(ORIGINAL_PATH_KEY, scope["path"]),
            query=scope.get("query_string", b"").decode("latin-1"),
            request_headers=headers_of(scope["headers"]),
        )
        body_parts: list[bytes] = []
        response_parts: list[bytes] = []
        recorded = False

        async def record() -> None:
            nonlocal recorded
            recorded = True
            entry.request_body = text_of(b"".join(body_parts))
            entry.response_body = text_of(b"".join(response_parts))
            entry.duration_ms = round((time.perf_counter() - started) * 1000, 3)
            await self.journal.record(sandbox_id, entry)

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body_parts.append(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry.status = message["status"]
                entry.response_headers = headers_of(message.get("headers", []))
                nearest = entry.response_headers.get(NEAREST_HEADER)
                if nearest:
                    entry.nearest_routes = [r.strip() for r in nearest.split(",")]
            elif message["type"] == "http.response.body":
                response_parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    # In the journal before the client has the answer: whatever it asks
                    # next, of any server, sees this request.
                    await record()
            await send(message)

        try:
            fault = await self._fault(sandbox_id, entry.method, scope, dialect)
            if fault is None:
                await self.app(scope, recording_receive, recording_send)
                return
            entry.fault = state[FAULT_KEY] = fault.id
            rule = fault.rule
            await _drain(recording_receive)  # so the journal shows what was sent
            if rule.latency_ms:
                await asyncio.sleep(rule.latency_ms / 1000)
            if rule.drop:
                await record()
                _drop(receive)
                return
            if rule.status is None:
                await self.app(scope, recording_receive, recording_send)
                return
            if rule.status in NO_BODY:
                response: Any = Response(status_code=rule.status)
            elif rule.body is not None:
                response = WireJSON(rule.body, rule.status)
            else:
                response = dialect.fault(Request(scope), rule.status)
            await response(scope, recording_receive, recording_send)
        finally:
            if not recorded:
                await record()

    async def _fault(
        self, sandbox_id: str, method: str, scope: Scope, dialect: Dialect
    ) -> Fault | None:
        """The fault rule that answers this request, if one fires; on the way, the
        request's context is read (`web.request_context`) unless the read cache holds it."""
        db = self.runtime.db
        if faults.cached(db, sandbox_id) == [] and db.cache.peek(sandboxes.cache_key(sandbox_id)):
            return None  # known without touching the database: the common case
        key = dialect.credential_key(Request(scope))
        try:
            if db.reads_on_loop:
                context = request_context.read(db, sandbox_id, dialect.name, key)
            else:
                context = await run_in_threadpool(
                    request_context.read, db, sandbox_id, dialect.name, key
                )
        except sandboxes.SandboxNotFound:
            return None  # the platform's own code meets it again, and answers in its format
        path = scope["path"]
        if not any(rule.matches(method, path, dialect.name) for rule in context.faults):
            scope["state"][request_context.STATE_KEY] = context
            return None
        # A rule may fire (and then perhaps wait): the platform's code reads afresh.
        return await run_in_threadpool(
            faults.pick, db, sandbox_id, method, path, dialect.name, context.faults
        )


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


def _drop(receive: Callable[[], Awaitable[Message]]) -> None:
    """Close the client's connection without an answer.

    ASGI has no verb for it; uvicorn's request cycle (the owner of `receive`) holds the
    transport, and aborting it is what a crashed upstream looks like to the client.
    """
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None:
        transport.abort()
        return
    raise ConnectionAbortedError("fault: connection dropped")
