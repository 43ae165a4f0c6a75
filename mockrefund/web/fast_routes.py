"""Serve the emulated APIs' routes without FastAPI's per-request machinery.

The emulated endpoints take their path parameters as strings and the request, and parse
everything else themselves (each platform has its own rules for bodies and queries), so
FastAPI's dependency solving, validation and response handling do nothing for them but
take time: about as much as a cached read itself. This middleware matches the platform
routes itself and calls their endpoints directly; their errors are answered by the same
exception handlers the app has registered (the platforms' own formats). Anything it does
not match exactly (another path, a method a path does not take) goes on to FastAPI's
router unchanged, so 404 and 405 answers are the app's own.

The endpoints do their database work in plain (blocking) calls. So that no request
holds up the others, an endpoint that may wait (any request on PostgreSQL, where every
call waits on the network; one that writes on SQLite, which may wait for the write lock)
runs off the server's event loop: the request body is read on the loop first (it comes
from the client's connection, which belongs to that loop), then the endpoint runs on one
of the database's worker threads (`db.Database.workers`), on an event loop of that
thread's own, and its response is sent from the server's loop again. A read on SQLite,
which never waits, runs on the loop (`Database.reads_on_loop` has the figures); if it
turns out to write after all (a refund fell due, the sandbox's use is noted), its first
write is refused before it starts and the request runs again on a worker thread.
"""

import asyncio
import re
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute, APIRouter
from starlette.convertors import Convertor
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mockrefund.db import WriteOnLoop, reads_only
from mockrefund.web.body import MAX_BODY_BYTES
from mockrefund.web.observe import ROUTE_KEY, route_template

Endpoint = Callable[..., Awaitable[Response]]
# Methods whose requests only read (a read may still settle a refund that fell due).
READS = frozenset({"GET", "HEAD"})
# As Starlette keeps them; the app registers only `async def` handlers.
Handler = Callable[[Request, Any], Any]


@dataclass(frozen=True, slots=True)
class FastRoute:
    pattern: re.Pattern[str]
    # The route's template (`/openapi/v2/order/orders/{order_id}/refund`): its name in
    # the metrics.
    path: str
    methods: frozenset[str]
    endpoint: Endpoint
    convertors: Mapping[str, Convertor[Any]]


def fast_routes(routers: Iterable[APIRouter]) -> list[FastRoute]:
    routes = []
    for router in routers:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            routes.append(
                FastRoute(
                    route.path_regex,
                    route.path,
                    frozenset(route.methods or ()),
                    route.endpoint,
                    route.param_convertors,
                )
            )
    return routes


def template_of(routes: Iterable[FastRoute], path: str, method: str) -> str | None:
    """The template of the route that serves `method` on `path` (no sandbox prefix)."""
    for route in routes:
        if method in route.methods and route.pattern.match(path) is not None:
            return route.path
    return None


class FastRoutes:
    def __init__(
        self,
        app: ASGIApp,
        routes: list[FastRoute],
        handlers: Callable[[], Mapping[Any, Handler]],
        workers: Callable[[], Executor],
        reads_on_loop: Callable[[], bool],
    ) -> None:
        self.app = app
        self.routes = routes
        self.workers = workers
        self.reads_on_loop = reads_on_loop
        # The app's exception handlers, read when needed: they are registered after the
        # middleware is declared.
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            for route in self.routes:
                match = route.pattern.match(path)
                if match is not None and scope["method"] in route.methods:
                    scope.setdefault("state", {})[ROUTE_KEY] = route.path
                    await self._serve(route, match, scope, receive, send)
                    return
            try:
                await self.app(scope, receive, send)
            finally:
                # The router's match, if any (a 405 too), for `web.observe`, which may
                # see another copy of the scope (the sandbox prefix taken off).
                if scope.get("route") is not None:
                    scope.setdefault("state", {})[ROUTE_KEY] = route_template(scope)
            return
        await self.app(scope, receive, send)

    async def _serve(
        self, route: FastRoute, match: re.Match[str], scope: Scope, receive: Receive, send: Send
    ) -> None:
        params = {
            name: route.convertors[name].convert(value) for name, value in match.groupdict().items()
        }
        request = Request(scope, receive, send)
        try:
            response = None
            if scope["method"] in READS and self.reads_on_loop():
                try:
                    with reads_only():
                        response = await route.endpoint(request=request, **params)
                except WriteOnLoop:
                    pass  # it must write after all (a refund fell due): on a thread
            if response is None:
                await _buffer_body(request)
                response = await asyncio.get_running_loop().run_in_executor(
                    self.workers(), _run_endpoint, route.endpoint, request, params
                )
        except ClientDisconnect:
            return  # gone while its body was read: nobody is left to answer
        except Exception as error:
            handler = self._handler_for(error)
            if handler is None:
                raise  # the app's last resort: a 500 in the platform's format, logged
            response = await handler(request, error)
        await response(scope, receive, send)

    def _handler_for(self, error: Exception) -> Handler | None:
        handlers = self.handlers()
        for kind in type(error).__mro__:
            if kind is Exception:
                break
            if kind in handlers:
                handler: Handler = handlers[kind]
                return handler
        return None


async def _buffer_body(request: Request, limit: int = MAX_BODY_BYTES) -> None:
    """Read the body now, on the server's loop, for the endpoint to find in
    `request.body()` and `request.stream()`. Never more than `limit` and one chunk: the
    endpoint then refuses the body as too large, as it would have while reading it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        request._body = b""  # refused by its declared length before anything is read
        return
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    request._body = b"".join(chunks)


_thread_loops = threading.local()


def _run_endpoint(endpoint: Endpoint, request: Request, params: dict[str, Any]) -> Response:
    """Run an endpoint to its end on this worker thread's own event loop (made once per
    thread): its awaits only read the buffered body, so nothing waits on another loop."""
    loop: asyncio.AbstractEventLoop | None = getattr(_thread_loops, "loop", None)
    if loop is None:
        loop = _thread_loops.loop = asyncio.new_event_loop()
    return loop.run_until_complete(endpoint(request=request, **params))
