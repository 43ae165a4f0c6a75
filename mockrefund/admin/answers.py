"""The control plane's own errors as clear JSON answers: `{"error": ..., "status": ...}`.

Registered when the app is made, apart from the routes, which are built on first use
(`web.control_plane`): exception handlers cannot be added once the app is serving.
"""

from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response

from mockrefund.clock import ClockOutOfRange
from mockrefund.controls.faults import TooManyRules
from mockrefund.fixtures import FixtureError
from mockrefund.runtime import DefaultSandboxProtected, SandboxLimitReached, UnknownFixtureSet
from mockrefund.web.responses import WireJSON
from mockrefund.web.streams import TooManyStreams


def install_answers(app: FastAPI) -> None:
    def answer(status: int) -> Any:
        async def handler(request: Request, exc: Exception) -> Response:
            return WireJSON({"error": str(exc), "status": status}, status)

        return handler

    app.add_exception_handler(SandboxLimitReached, answer(409))
    app.add_exception_handler(TooManyRules, answer(409))
    app.add_exception_handler(ClockOutOfRange, answer(400))
    app.add_exception_handler(UnknownFixtureSet, answer(404))
    app.add_exception_handler(FixtureError, answer(400))
    app.add_exception_handler(DefaultSandboxProtected, answer(400))
    app.add_exception_handler(TooManyStreams, answer(503))
