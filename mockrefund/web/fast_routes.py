"""Serve the emulated APIs' routes without FastAPI's per-request machinery.

The emulated endpoints take their path parameters as strings and the request, and parse
everything else themselves (each platform has its own rules for bodies and queries), so
FastAPI's dependency solving, validation and response handling do nothing for them but
take time: about as much as a cached read itself. This middleware matches the platform
routes itself and calls their endpoints directly; their errors are answered by the same
exception handlers the app has registered (the platforms' own formats). Anything it does
not match exactly (another path, a method a path does not take) goes on to FastAPI's
router unchanged, so 404 and 405 answers are the app's own.
"""

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute, APIRouter
from starlette.convertors import Convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[..., Awaitable[Response]]
# As Starlette keeps them; the app registers only `async def` handlers.
Handler = Callable[[Request, Any], Any]


@dataclass(frozen=True, slots=True)
class FastRoute:
    pattern: re.Pattern[str]
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
                    frozenset(route.methods or ()),
                    route.endpoint,
                    route.param_convertors,
                )
            )
    return routes


class FastRoutes:
    def __init__(
        self,
        app: ASGIApp,
        routes: list[FastRoute],
        handlers: Callable[[], Mapping[Any, Handler]],
    ) -> None:
        self.app = app
        self.routes = routes
        # The app's exception handlers, read when needed: they are registered after the
        # middleware is declared.
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            for route in self.routes:
                match = route.pattern.match(path)
                if match is not None and scope["method"] in route.methods:
                    await self._serve(route, match, scope, receive, send)
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
            response = await route.endpoint(request=request, **params)
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
