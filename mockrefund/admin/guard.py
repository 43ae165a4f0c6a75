"""The control plane's optional token.

A server reachable from other machines serves many teams: with `MOCKREFUND_ADMIN_TOKEN`
set, only callers that send it may reach anything under `/__admin` (sandboxes, their
controls, the journal, the documents, the docs page and the dashboard). The health check
stays open for load balancers and container health checks. The emulated APIs never ask
for it.

A browser cannot add a header to the pages it loads, so the dashboard (`/__admin/ui`)
also takes the token from a cookie, which its sign-in form sets; there, a caller without
the token gets that form instead of a JSON refusal. The cookie counts nowhere else.

A pure ASGI middleware, in front of every `/__admin` route, so that no route (one added
later, a static file, a document) can be left out.
"""

import hmac

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mockrefund.web.responses import WireJSON

ADMIN = "/__admin"
DASHBOARD = f"{ADMIN}/ui"
SIGN_IN = f"{DASHBOARD}/sign-in"
# The sign-in form checks the token itself (it is how the cookie is set).
OPEN_PATHS = frozenset({f"{ADMIN}/health", SIGN_IN})
HEADER = "x-mockrefund-admin-token"
COOKIE = "mockrefund_admin_token"
REFUSAL = (
    "this control plane needs its admin token: send Authorization: Bearer TOKEN "
    "or X-Mockrefund-Admin-Token: TOKEN"
)


class AdminTokenGuard:
    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token.encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.token is not None
            and scope["type"] == "http"
            and _is_admin(scope["path"])
            and scope["path"] not in OPEN_PATHS
        ):
            headers = Headers(scope=scope)
            dashboard = _is_dashboard(scope["path"])
            if not self._allowed(headers, with_cookie=dashboard):
                if dashboard:
                    await _ask_for_token(scope, receive, send, headers)
                    return
                refusal = WireJSON({"error": REFUSAL, "status": 401}, 401)
                refusal.headers["WWW-Authenticate"] = "Bearer"
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _allowed(self, headers: Headers, with_cookie: bool = False) -> bool:
        given = headers.get(HEADER, "")
        if not given:
            scheme, _, token = headers.get("authorization", "").partition(" ")
            given = token.strip() if scheme.lower() == "bearer" else ""
        if not given and with_cookie:
            given = cookie_parser(headers.get("cookie", "")).get(COOKIE, "")
        return self.matches(given)

    def matches(self, given: str) -> bool:
        assert self.token is not None
        return hmac.compare_digest(given.encode("utf-8", "replace"), self.token)


def _is_admin(path: str) -> bool:
    return path == ADMIN or path.startswith(ADMIN + "/")


def _is_dashboard(path: str) -> bool:
    return path == DASHBOARD or path.startswith(DASHBOARD + "/")


async def _ask_for_token(scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
    """The dashboard's sign-in form (401), in place of the page asked for. A request of
    the page's own script (htmx) gets no form to put into the page: it is told to reload
    the page, which then shows the form."""
    # Imported on first use: the dashboard's templates are not loaded with the app.
    from mockrefund.dashboard.signin import sign_in_page

    root = scope.get("root_path", "")
    refusal: Response
    if headers.get("hx-request") == "true":
        refusal = WireJSON({"error": REFUSAL, "status": 401}, 401)
        refusal.headers["HX-Refresh"] = "true"
    else:
        query = scope.get("query_string", b"").decode("latin-1")
        wanted = root + scope["path"] + (f"?{query}" if query else "")
        refusal = await run_in_threadpool(sign_in_page, root, wanted, False)
    refusal.headers["WWW-Authenticate"] = "Bearer"
    await refusal(scope, receive, send)
