"""Mount the control plane on its first use.

The control plane is most of the app's routes, and building them (FastAPI's dependency
and model analysis for each, twice over for the per-sandbox prefix) is a good part of
the start-up time. The emulated APIs do not need it, so a server is ready to answer them
without it; the first request under `/__admin` builds it, once, before it is routed.
"""

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

ADMIN = "/__admin"


class ControlPlaneOnFirstUse:
    def __init__(self, app: ASGIApp, install: Callable[[], None]) -> None:
        self.app = app
        self._install: Callable[[], None] | None = install

    def ensure(self) -> None:
        """Build the control plane now, once."""
        if self._install is not None:
            install, self._install = self._install, None
            install()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Runs after sandbox routing: the path has lost any `/sandboxes/{id}` prefix.
        if (
            self._install is not None
            and scope["type"] == "http"
            and scope["path"].startswith(ADMIN)
        ):
            self.ensure()
        await self.app(scope, receive, send)
