"""Which platform speaks on a path, and how it says that something went wrong.

Every emulated path belongs to one dialect. Errors that arise outside a platform's own
code (no such route, wrong method, a body too large, an unexpected crash) are rendered
by the dialect of the path, so FastAPI's `{"detail": ...}` never reaches a client.
"""

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from mockrefund.core.errors import DomainError, InvalidRefundRequest, NotFound
from mockrefund.core.order_changes import InvalidChange
from mockrefund.core.sandboxes import SandboxBusy, SandboxNotFound
from mockrefund.web.body import BodyError
from mockrefund.web.nearest import nearest_routes
from mockrefund.web.responses import WireJSON
from mockrefund.web.sandbox_routing import platform_path

NEAREST_ROUTES_HEADER = "X-Mockrefund-Nearest-Routes"
FAULT_MESSAGE = "fault injected by the sandbox"


class WireError(Exception):
    """Raised by platform code with the exact response the platform would give."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class Dialect:
    """A platform's error language. Subclasses render; this base is the admin API's."""

    name = "admin"
    prefixes: tuple[str, ...] = ()
    # "METHOD /template" of every route of the platform, for hints on a wrong path.
    routes: list[str]

    def __init__(self) -> None:
        self.routes = []

    def owns(self, path: str) -> bool:
        return path.startswith(self.prefixes)

    def credential_key(self, request: Request) -> str | None:
        """The credential key the request names, as the platform's authentication will
        look it up (None: none it can tell), so that the request's first read fetches it
        too (`web.request_context`). A wrong guess costs the platform a read of its own."""
        return None

    def http_error(self, request: Request, status: int, message: str) -> Response:
        return WireJSON({"error": message, "status": status}, status)

    def domain_error(self, request: Request, error: DomainError) -> Response:
        if isinstance(error, NotFound):
            status = 404
        elif isinstance(error, InvalidRefundRequest | InvalidChange):
            status = 400
        else:
            status = 409
        return WireJSON({"error": error.message, "status": status}, status)

    def body_error(self, request: Request, error: BodyError) -> Response:
        return self.http_error(request, 413 if error.kind == "too_large" else 400, error.message)

    def fault(self, request: Request, status: int) -> Response:
        """An injected fault's answer: this status, in the platform's error format."""
        return self.http_error(request, status, FAULT_MESSAGE)


HTTP_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class DialectRegistry:
    def __init__(self, dialects: Sequence[Dialect], fallback: Dialect) -> None:
        self.dialects = list(dialects)
        self.fallback = fallback

    def for_path(self, path: str) -> Dialect:
        """The dialect of a path, with or without a `/sandboxes/{id}` prefix (errors
        raised outside the sandbox routing, such as a crash, still see the prefix)."""
        path = platform_path(path)
        for dialect in self.dialects:
            if dialect.owns(path):
                return dialect
        return self.fallback

    def collect_routes(self, routers: Sequence[APIRouter]) -> None:
        """Note each platform's documented routes (those in the OpenAPI document)."""
        for route in (route for router in routers for route in router.routes):
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            dialect = self.for_path(route.path)
            if dialect is self.fallback:
                continue
            for method in sorted(route.methods or ()):
                dialect.routes.append(f"{method} {route.path}")

    def install(self, app: FastAPI) -> None:
        async def on_http(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, StarletteHTTPException)
            dialect = self.for_path(request.url.path)
            detail = exc.detail if isinstance(exc.detail, str) else ""
            generic = detail in ("", HTTP_REASONS.get(exc.status_code))
            message = _http_message(request, exc.status_code) if generic else detail
            response = dialect.http_error(request, exc.status_code, message)
            for name, value in (exc.headers or {}).items():
                response.headers.setdefault(name, value)
            if exc.status_code in (404, 405) and dialect.routes:
                hints = nearest_routes(request.method, request.url.path, dialect.routes)
                if hints:
                    response.headers[NEAREST_ROUTES_HEADER] = ", ".join(hints)
            return response

        async def on_validation(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, RequestValidationError)
            return self.for_path(request.url.path).http_error(
                request, 400, _validation_message(exc)
            )

        async def on_wire(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, WireError)
            return exc.response

        async def on_domain(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, DomainError)
            dialect = self.for_path(request.url.path)
            if isinstance(exc, SandboxNotFound):
                return dialect.http_error(request, 404, exc.message)
            if isinstance(exc, SandboxBusy):
                busy = dialect.http_error(request, 503, exc.message)
                busy.headers["Retry-After"] = str(SandboxBusy.RETRY_AFTER_SECONDS)
                return busy
            return dialect.domain_error(request, exc)

        async def on_body(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, BodyError)
            return self.for_path(request.url.path).body_error(request, exc)

        async def on_crash(request: Request, exc: Exception) -> Response:
            return self.for_path(request.url.path).http_error(
                request, 500, "the mock failed unexpectedly; see its log"
            )

        app.add_exception_handler(StarletteHTTPException, on_http)
        app.add_exception_handler(RequestValidationError, on_validation)
        app.add_exception_handler(WireError, on_wire)
        app.add_exception_handler(DomainError, on_domain)
        app.add_exception_handler(BodyError, on_body)
        app.add_exception_handler(Exception, on_crash)


def _validation_message(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    return "; ".join(problems) or "the request is not valid"


def _http_message(request: Request, status: int) -> str:
    if status == 404:
        return f"no route matches {request.method} {request.url.path}"
    if status == 405:
        return f"{request.method} is not allowed on {request.url.path}"
    return HTTP_REASONS.get(status, "error")
