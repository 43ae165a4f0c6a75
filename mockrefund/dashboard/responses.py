"""How the dashboard answers: pages and fragments rendered, refusals put in words, and
the part of a sandbox's page that changes (which pages and buttons both answer with)."""

from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from pydantic import ValidationError
from starlette.responses import HTMLResponse

from mockrefund import __version__
from mockrefund.admin import faults as admin_faults
from mockrefund.admin import outcomes as admin_outcomes
from mockrefund.admin.guard import DASHBOARD
from mockrefund.controls.faults import TooManyRules
from mockrefund.core import sandboxes
from mockrefund.core.errors import DomainError
from mockrefund.dashboard import views
from mockrefund.dashboard.templates import render
from mockrefund.fixtures import FixtureError
from mockrefund.fixtures.schema import PLATFORMS
from mockrefund.runtime import (
    DefaultSandboxProtected,
    Runtime,
    SandboxLimitReached,
    UnknownFixtureSet,
)

# What a page or a button can be refused for: the control plane answers these with a 4xx.
REFUSALS = (
    DomainError,
    HTTPException,
    ValueError,  # pydantic's ValidationError and the clock's ClockOutOfRange among them
    SandboxLimitReached,
    TooManyRules,
    UnknownFixtureSet,
    FixtureError,
    DefaultSandboxProtected,
)


def dashboard_root(request: Request) -> str:
    return str(request.scope.get("root_path", "")) + DASHBOARD


def sandbox_url(request: Request, sandbox_id: str) -> str:
    return f"{dashboard_root(request)}/sandboxes/{quote(sandbox_id, safe='')}"


def html(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    runtime: Runtime = request.app.state.runtime
    context.setdefault("ui", dashboard_root(request))
    context.setdefault("token_set", runtime.settings.admin_token is not None)
    context.setdefault("version", __version__)
    return HTMLResponse(render(template, **context), status)


def reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'value'}: {problem['msg']}"
            for problem in error.errors()
        )
    if isinstance(error, HTTPException):
        return str(error.detail)
    if isinstance(error, DomainError):
        return error.message
    return str(error)


def gone(request: Request, error: Exception, status: int = 200) -> HTMLResponse:
    """In place of a sandbox's state: why it cannot be shown (deleted, being reset)."""
    return html(request, "_gone.html", status, error=reason(error))


def sandbox_state(
    request: Request, runtime: Runtime, sandbox_id: str, done: str = "", error: str = ""
) -> dict[str, Any]:
    """What the sandbox page shows that changes: the clock, the data, the controls in
    force, and what the last button did."""
    now, sandbox = sandboxes.prepare(runtime.db, sandbox_id)  # settles what is due
    return {
        "sandbox_id": sandbox_id,
        "here": sandbox_url(request, sandbox_id),
        "now": now,
        "frozen": sandbox.clock_frozen,
        "scale": sandbox.clock_scale,
        "platforms": views.platforms(runtime.db, sandbox_id),
        "outcomes": admin_outcomes.list_forced(runtime, sandbox_id)["outcomes"],
        "faults": admin_faults.list_faults(runtime, sandbox_id)["faults"],
        "rate_limits": admin_faults.read_rate_limits(runtime, sandbox_id),
        "platform_names": PLATFORMS,
        "done": done,
        "error": error,
    }
