"""One line and one count per request, whoever answers it.

The outermost of the app's middleware (a pure ASGI one): it sees every request, to the
emulated APIs and to the control plane, answered by a platform, a fault rule, the admin
token guard or the router's 404. When the answer's last byte has gone it
- counts the request and its duration (`metrics.Metrics`), by route template;
- logs a line on `mockrefund.requests` (at INFO): time, sandbox, platform, method, path,
  status, duration, and the fault rule that answered, if one did.

Both use only what the request already carries: what the layers inside noted in the
request's state (the sandbox, the route, the fault). No database work.
"""

import logging
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockrefund.core.sandboxes import DEFAULT_SANDBOX
from mockrefund.logs import FIELDS, REQUESTS
from mockrefund.metrics import Metrics
from mockrefund.web.dialects import DialectRegistry
from mockrefund.web.sandbox_routing import ADMIN_PREFIX, SANDBOX_KEY, platform_path

# Noted in the request's state by the layers that know them.
ROUTE_KEY = "mockrefund_route"
FAULT_KEY = "mockrefund_fault"
# The route of a request that reached no route (no route matches, or it was refused
# before routing, say by the admin token guard): one label value for all of them.
UNMATCHED = "unmatched"

log = logging.getLogger(REQUESTS)


class RequestObserver:
    def __init__(
        self,
        app: ASGIApp,
        registry: DialectRegistry,
        metrics: Metrics,
        template_of: Callable[[str, str], str | None],
    ) -> None:
        self.app = app
        self.registry = registry
        self.metrics = metrics
        # An emulated route's template by path and method, for the requests a fault
        # rule answers before they are routed.
        self.template_of = template_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        state = scope.setdefault("state", {})
        # 0 while nothing is answered; it stays 0 for a connection a fault rule drops.
        status = 0

        async def observing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        except BaseException:
            if status == 0:
                status = 500  # what the server answers for a request that failed
            raise
        finally:
            self._observe(scope, state, path, status, time.perf_counter() - started)

    def _observe(
        self, scope: Scope, state: dict[str, object], path: str, status: int, seconds: float
    ) -> None:
        method: str = scope["method"]
        fault = state.get(FAULT_KEY)
        route = state.get(ROUTE_KEY)
        if route is None and fault is not None:
            route = self.template_of(platform_path(path), method)
        if route is None:
            route = UNMATCHED
        platform = self._platform(path)
        self.metrics.observe(platform, str(route), method, status, seconds)
        if not log.isEnabledFor(logging.INFO):
            return
        sandbox = state.get(SANDBOX_KEY, DEFAULT_SANDBOX)
        if platform == "admin":
            params = scope.get("path_params") or {}
            sandbox = params.get("sandbox_id", sandbox)
        duration_ms = round(seconds * 1000, 3)
        log.info(
            "%s %s %s %.1fms sandbox=%s platform=%s fault=%s",
            method,
            _printable(path),
            status,
            duration_ms,
            _printable(str(sandbox)),
            platform,
            "-" if fault is None else fault,
            extra={
                FIELDS: {
                    "sandbox": sandbox,
                    "platform": platform,
                    "method": method,
                    "path": path,
                    "route": route,
                    "status": status,
                    "duration_ms": duration_ms,
                    "fault": fault,
                }
            },
        )

    def _platform(self, path: str) -> str:
        """The emulated platform of the path, `admin` for the control plane, `other`."""
        dialect = self.registry.for_path(path)
        if dialect is not self.registry.fallback:
            return dialect.name
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            return "admin"
        return "other"


def _printable(text: str) -> str:
    """`text` with control characters escaped: a path is the client's to choose (`%0A`
    decodes to a line break), and must not forge a line of the text log."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def route_template(scope: Scope) -> str:
    """The template of the route the router matched in `scope` (path and parameters
    filled in), such as `/__admin/sandboxes/{sandbox_id}/clock`.

    A router included under a prefix may keep its routes' own templates, without the
    prefix (as newer FastAPI does): the prefix's part of the path is then named again,
    each segment that is a parameter's value by that parameter."""
    template: str = getattr(scope.get("route"), "path", UNMATCHED)
    parts = scope["path"].split("/")[1:]
    own = template.split("/")[1:]
    extra = len(parts) - len(own)
    if extra <= 0:
        return template
    names = {str(value): name for name, value in (scope.get("path_params") or {}).items()}
    prefix = [f"{{{names[part]}}}" if part in names else part for part in parts[:extra]]
    return "/" + "/".join(prefix + own)
