"""What happens around every request to an emulated API: faults, then the journal.

A pure ASGI middleware (no per-request object churn of `BaseHTTPMiddleware`). For a path
that belongs to a platform it
1. applies the first fault rule of the sandbox that fires: latency, a dropped connection,
   or an answer with the rule's status in the platform's own format;
2. otherwise passes the request on;
3. records the request and its answer in the sandbox's journal.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockrefund.admin.journal import Entry, headers_of, next_id, text_of
from mockrefund.clock import wall_now
from mockrefund.core.sandboxes import DEFAULT_SANDBOX
from mockrefund.runtime import Runtime
from mockrefund.web.dialects import DialectRegistry
from mockrefund.web.responses import WireJSON
from mockrefund.web.sandbox_routing import ORIGINAL_PATH_KEY, SANDBOX_KEY, SERVED_KEY

NEAREST_HEADER = "x-mockrefund-nearest-routes"


class Traffic:
    def __init__(self, app: ASGIApp, registry: DialectRegistry, runtime: Runtime) -> None:
        self.app = app
        self.registry = registry
        self.runtime = runtime

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
        controls = self.runtime.controls.get(sandbox_id)
        started = time.perf_counter()
        entry = Entry(
            id=next_id(),
            at=wall_now(),
            platform=dialect.name,
            method=scope["method"],
            path=state.get(ORIGINAL_PATH_KEY, scope["path"]),
            query=scope.get("query_string", b"").decode("latin-1"),
            request_headers=headers_of(scope["headers"]),
            request_body="",
        )
        body_parts: list[bytes] = []

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body_parts.append(message.get("body", b""))
            return message

        response_parts: list[bytes] = []

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry.status = message["status"]
                entry.response_headers = headers_of(message.get("headers", []))
                nearest = entry.response_headers.get(NEAREST_HEADER)
                if nearest:
                    entry.nearest_routes = [r.strip() for r in nearest.split(",")]
            elif message["type"] == "http.response.body":
                response_parts.append(message.get("body", b""))
            await send(message)

        try:
            fault = (
                controls.faults.pick(entry.method, scope["path"], dialect.name)
                if controls
                else None
            )
            if fault is None:
                await self.app(scope, recording_receive, recording_send)
                return
            entry.fault = fault.id
            rule = fault.rule
            await _drain(recording_receive)  # so the journal shows what was sent
            if rule.latency_ms:
                await asyncio.sleep(rule.latency_ms / 1000)
            if rule.drop:
                _drop(receive)
                return
            if rule.status is None:
                await self.app(scope, recording_receive, recording_send)
                return
            if rule.body is not None:
                response: Any = WireJSON(rule.body, rule.status)
            else:
                response = dialect.fault(Request(scope), rule.status)
            await response(scope, recording_receive, recording_send)
        finally:
            entry.request_body = text_of(b"".join(body_parts))
            entry.response_body = text_of(b"".join(response_parts))
            entry.duration_ms = round((time.perf_counter() - started) * 1000, 3)
            # Record for sandboxes that exist: made here, or served by this request.
            if controls is not None or state.get(SERVED_KEY) or sandbox_id == DEFAULT_SANDBOX:
                self.runtime.controls.of(sandbox_id).journal.add(entry)


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
