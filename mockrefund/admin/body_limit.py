"""A size limit on the control plane's request bodies (`admin_body_limit`).

The emulated APIs refuse bodies over 1 MiB in their platforms' formats; the control plane
takes bodies too (inline fixtures, orders), and without a limit one caller could make
the server hold any amount in memory. Checked on the declared length first, then on the
bytes as they arrive, so a body never grows past the limit in memory.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockrefund.web.responses import WireJSON

ADMIN = "/__admin"


class AdminBodyLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(ADMIN):
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await self._refuse(scope, receive, send)
                return
        # Read whole before the route sees it (FastAPI would turn an error raised while
        # it reads into a 400): never more than the limit, then handed on as one piece.
        parts: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            parts.append(message.get("body", b""))
            received += len(parts[-1])
            if received > self.limit:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # after the body: only a disconnect can come
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = (
            f"the request body is larger than {self.limit} bytes, the control plane's "
            "limit (MOCKREFUND_ADMIN_BODY_LIMIT)"
        )
        await WireJSON({"error": message, "status": 413}, 413)(scope, receive, send)
