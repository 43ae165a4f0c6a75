"""Which sandbox a request is for.

A client reaches a sandbox by putting `/sandboxes/{id}` in front of the platform path
(so only its base URL changes) or by sending `X-Mockrefund-Sandbox: {id}`; otherwise
the request goes to the default sandbox. This middleware takes the prefix off the path
before routing and notes the sandbox, and the path as the client sent it (WooCommerce's
OAuth signs the full URL), in the request's state.
"""

from starlette.types import ASGIApp, Receive, Scope, Send

from mockrefund.core.sandboxes import DEFAULT_SANDBOX
from mockrefund.web.responses import WireJSON

PREFIX = "/sandboxes/"
ADMIN_PREFIX = "/__admin"
HEADER = b"x-mockrefund-sandbox"
SANDBOX_KEY = "mockrefund_sandbox"
ORIGINAL_PATH_KEY = "mockrefund_original_path"


class SandboxRouting:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        state = scope.setdefault("state", {})
        state[ORIGINAL_PATH_KEY] = path
        sandbox: str | None = None
        if path.startswith(PREFIX):
            # An empty id stays empty (and is not found): it never means the default.
            sandbox, _, rest = path[len(PREFIX) :].partition("/")
            if ("/" + rest).startswith(ADMIN_PREFIX):
                # The control plane lives only under /__admin, where a sandbox is named
                # in the path; under a sandbox prefix it would act on the wrong one.
                await _no_control_plane_here(scope, receive, send)
                return
            scope = dict(scope)
            scope["path"] = "/" + rest
            raw: bytes = scope.get("raw_path") or path.encode()
            scope["raw_path"] = raw[len(PREFIX) + len(sandbox.encode()) :] or b"/"
        else:
            for name, value in scope["headers"]:
                if name == HEADER:
                    sandbox = value.decode("latin-1").strip()
                    break
        state[SANDBOX_KEY] = DEFAULT_SANDBOX if sandbox is None else sandbox
        await self.app(scope, receive, send)


def platform_path(path: str) -> str:
    """The path without its `/sandboxes/{id}` prefix, if it has one."""
    if not path.startswith(PREFIX):
        return path
    return "/" + path[len(PREFIX) :].partition("/")[2]


async def _no_control_plane_here(scope: Scope, receive: Receive, send: Send) -> None:
    message = (
        "the control plane is served only under /__admin "
        "(for a sandbox: /__admin/sandboxes/{id}/...)"
    )
    await WireJSON({"error": message, "status": 404}, 404)(scope, receive, send)
