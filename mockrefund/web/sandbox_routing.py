"""Which sandbox a request is for.

A client reaches a sandbox by putting `/sandboxes/{id}` in front of the platform path
(so only its base URL changes) or by sending `X-Mockrefund-Sandbox: {id}`; otherwise
the request goes to the default sandbox. This middleware takes the prefix off the path
before routing and notes the sandbox, and the path as the client sent it (WooCommerce's
OAuth signs the full URL), in the request's state.
"""

from starlette.types import ASGIApp, Receive, Scope, Send

from mockrefund.core.sandboxes import DEFAULT_SANDBOX

PREFIX = "/sandboxes/"
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
        sandbox = None
        if path.startswith(PREFIX):
            sandbox, _, rest = path[len(PREFIX) :].partition("/")
            scope = dict(scope)
            scope["path"] = "/" + rest
            raw: bytes = scope.get("raw_path") or path.encode()
            scope["raw_path"] = raw[len(PREFIX) + len(sandbox.encode()) :] or b"/"
        else:
            for name, value in scope["headers"]:
                if name == HEADER:
                    sandbox = value.decode("latin-1").strip()
                    break
        state[SANDBOX_KEY] = sandbox or DEFAULT_SANDBOX
        await self.app(scope, receive, send)
