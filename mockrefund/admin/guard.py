"""The control plane's optional token.

A server reachable from other machines serves many teams: with `MOCKREFUND_ADMIN_TOKEN`
set, only callers that send it may reach anything under `/__admin` (sandboxes, their
controls, the journal, the documents and the docs page). The health check stays open for
load balancers and container health checks. The emulated APIs never ask for it.

A pure ASGI middleware, in front of every `/__admin` route, so that no route (one added
later, a static file, a document) can be left out.
"""

import hmac

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from mockrefund.web.responses import WireJSON

ADMIN = "/__admin"
OPEN_PATHS = frozenset({f"{ADMIN}/health"})
HEADER = "x-mockrefund-admin-token"
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
            and not self._allowed(Headers(scope=scope))
        ):
            refusal = WireJSON({"error": REFUSAL, "status": 401}, 401)
            refusal.headers["WWW-Authenticate"] = "Bearer"
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _allowed(self, headers: Headers) -> bool:
        assert self.token is not None
        given = headers.get(HEADER, "")
        if not given:
            scheme, _, token = headers.get("authorization", "").partition(" ")
            given = token.strip() if scheme.lower() == "bearer" else ""
        return hmac.compare_digest(given.encode("utf-8", "replace"), self.token)


def _is_admin(path: str) -> bool:
    return path == ADMIN or path.startswith(ADMIN + "/")
