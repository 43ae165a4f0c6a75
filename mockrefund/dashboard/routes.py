"""The dashboard's pages and buttons, under `/__admin/ui`.

Every route is a plain `def`: FastAPI runs it on its thread pool, so the database work of
a page never holds up the event loop. A button calls the function its JSON route calls
(`admin.clock`, `admin.outcomes`, `admin.orders`, `admin.faults`, `admin.sandboxes`),
with the same checks and in the same transaction, and answers with the sandbox's state
as it is afterwards (an HTML fragment htmx puts in the page). A sandbox is reached only
by its id, as in the control plane.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.responses import HTMLResponse, RedirectResponse, Response

from mockrefund import __version__
from mockrefund.admin import clock as admin_clock
from mockrefund.admin import deps
from mockrefund.admin import faults as admin_faults
from mockrefund.admin import orders as admin_orders
from mockrefund.admin import outcomes as admin_outcomes
from mockrefund.admin import sandboxes as admin_sandboxes
from mockrefund.admin.deps import RuntimeDep
from mockrefund.admin.guard import DASHBOARD
from mockrefund.clock import wall_now
from mockrefund.controls import faults, journal
from mockrefund.controls.faults import TooManyRules
from mockrefund.controls.ratelimits import PLATFORMS as LIMITED_PLATFORMS
from mockrefund.core import sandboxes
from mockrefund.core.errors import DomainError
from mockrefund.dashboard import signin, views
from mockrefund.dashboard.curl import as_curl
from mockrefund.dashboard.entries import entry_view
from mockrefund.dashboard.templates import STATIC, duration, render
from mockrefund.fixtures import FixtureError
from mockrefund.fixtures.schema import PLATFORMS, Platform
from mockrefund.runtime import (
    DefaultSandboxProtected,
    Runtime,
    SandboxLimitReached,
    UnknownFixtureSet,
)

router = APIRouter(prefix=DASHBOARD, include_in_schema=False)
# What a button can be refused for: the control plane answers these with a 4xx.
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
JOURNAL_SHOWN = 50  # entries on the journal page, and at most per refresh of it
UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# htmx stops polling an element answered with this status (the sandbox is gone).
STOP_POLLING = 286


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(f"{DASHBOARD}/static", StaticFiles(directory=STATIC), name="dashboard-static")


async def form_of(request: Request) -> dict[str, str]:
    """A button's form fields (htmx posts them url-encoded); the body is bounded by the
    control plane's body limit."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))
    return {name: values[-1] for name, values in fields.items()}


def from_the_page(request: Request) -> None:
    """Buttons act only when the page's own script asks: a form on another site cannot
    add this header without the browser asking the server first (which it refuses)."""
    if request.headers.get("hx-request") != "true":
        raise HTTPException(400, "dashboard buttons are posted by the dashboard's page")


FormDep = Annotated[dict[str, str], Depends(form_of)]
FromThePage = Depends(from_the_page)


def _ui(request: Request) -> str:
    return str(request.scope.get("root_path", "")) + DASHBOARD


def _sandbox_url(request: Request, sandbox_id: str) -> str:
    return f"{_ui(request)}/sandboxes/{quote(sandbox_id, safe='')}"


def _html(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    runtime: Runtime = request.app.state.runtime
    context.setdefault("ui", _ui(request))
    context.setdefault("token_set", runtime.settings.admin_token is not None)
    context.setdefault("version", __version__)
    return HTMLResponse(render(template, **context), status)


def _reason(error: Exception) -> str:
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


# The list of sandboxes -------------------------------------------------------------


@dataclass
class SandboxRow:
    id: str
    fixtures: str
    age: timedelta
    now: datetime
    frozen: bool
    scale: float


@router.get("")
def to_the_dashboard(request: Request) -> Response:
    return RedirectResponse(_ui(request) + "/", 307)


@router.get("/")
def sandbox_list(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    """Every sandbox, as `GET /__admin/sandboxes` lists them (and guarded as it is)."""
    wall = wall_now()
    rows = [
        SandboxRow(
            id=sandbox.id,
            fixtures=sandbox.fixtures,
            age=wall - sandbox.created_at,
            now=sandboxes.clock_of(sandbox).now(wall),
            frozen=sandbox.clock_frozen,
            scale=sandbox.clock_scale,
        )
        for sandbox in admin_sandboxes.listed(runtime)
    ]
    return _html(request, "sandboxes.html", sandboxes=rows, most=runtime.settings.max_sandboxes)


@router.post("/sandboxes", dependencies=[FromThePage])
def create_sandbox(request: Request, runtime: RuntimeDep, form: FormDep) -> Response:
    try:
        body = admin_sandboxes.NewSandbox(
            fixtures=form.get("fixtures") or "default",
            clock=admin_sandboxes.ClockSetting(frozen=form.get("frozen") == "on"),
        )
        made = admin_sandboxes.create(request, runtime, body)
    except REFUSALS as error:
        return _html(request, "_flash.html", error=_reason(error))
    # The new sandbox's page, as a full page load (htmx follows this header).
    return Response(status_code=204, headers={"HX-Redirect": _sandbox_url(request, made["id"])})


# A sandbox ---------------------------------------------------------------------------


def _state(
    request: Request, runtime: Runtime, sandbox_id: str, done: str = "", error: str = ""
) -> dict[str, Any]:
    """What the sandbox page shows that changes: the clock, the data, the controls in
    force, and what the last button did."""
    now, sandbox = sandboxes.prepare(runtime.db, sandbox_id)  # settles what is due
    return {
        "sandbox_id": sandbox_id,
        "here": _sandbox_url(request, sandbox_id),
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


def _gone(request: Request, error: Exception, status: int = 200) -> HTMLResponse:
    return _html(request, "_gone.html", status, error=_reason(error))


@router.get("/sandboxes/{sandbox_id}")
def sandbox_page(request: Request, runtime: RuntimeDep, sandbox_id: str) -> HTMLResponse:
    try:
        sandbox_id = deps.sandbox_id(request)
        described = admin_sandboxes.read(request, runtime, sandbox_id)
        state = _state(request, runtime, sandbox_id)
    except REFUSALS as error:
        return _html(request, "missing.html", 404, error=_reason(error))
    return _html(request, "sandbox.html", described=described, **state)


@router.get("/sandboxes/{sandbox_id}/state")
def sandbox_state(request: Request, runtime: RuntimeDep, sandbox_id: str) -> HTMLResponse:
    """The changing part of the page, which the page fetches again every few seconds."""
    try:
        sandbox_id = deps.sandbox_id(request)
        return _html(request, "_state.html", **_state(request, runtime, sandbox_id))
    except REFUSALS as error:
        return _gone(request, error)


def _act(
    request: Request,
    runtime: Runtime,
    action: Callable[[str], str],
    while_reset: bool = False,
) -> HTMLResponse:
    """Run a button's action on the sandbox of the path; the state as it is after it,
    with what the action did or why it was refused."""
    try:
        sandbox_id = (deps.sandbox_id_while_reset if while_reset else deps.sandbox_id)(request)
    except REFUSALS as error:
        return _gone(request, error)
    done, refused = "", ""
    try:
        done = action(sandbox_id)
    except REFUSALS as error:
        refused = _reason(error)
    try:
        state = _state(request, runtime, sandbox_id, done, refused)
    except REFUSALS as error:
        return _gone(request, error)
    return _html(request, "_state.html", **state)


def _seconds(form: dict[str, str]) -> float:
    if "seconds" in form:
        amount, unit = form["seconds"], "seconds"
    else:
        amount, unit = form.get("amount", ""), form.get("unit", "")
    if unit not in UNITS:
        raise ValueError(f"unit: use one of {', '.join(UNITS)}")
    try:
        return float(amount) * UNITS[unit]
    except ValueError:
        raise ValueError(f"amount: {amount!r} is not a number") from None


@router.post("/sandboxes/{sandbox_id}/clock/advance", dependencies=[FromThePage])
def advance(request: Request, runtime: RuntimeDep, form: FormDep) -> HTMLResponse:
    def action(sandbox_id: str) -> str:
        seconds = _seconds(form)
        body = admin_clock.Advance(seconds=seconds)
        settled = admin_clock.advance(runtime, sandbox_id, body)["settled"]
        return f"Clock advanced by {duration(timedelta(seconds=seconds))}; {settled} settled."

    return _act(request, runtime, action)


@router.post("/sandboxes/{sandbox_id}/clock/freeze", dependencies=[FromThePage])
def freeze(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    def action(sandbox_id: str) -> str:
        admin_clock.freeze(runtime, sandbox_id)
        return "Clock frozen."

    return _act(request, runtime, action)


@router.post("/sandboxes/{sandbox_id}/clock/resume", dependencies=[FromThePage])
def resume(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    def action(sandbox_id: str) -> str:
        admin_clock.resume(runtime, sandbox_id)
        return "Clock running."

    return _act(request, runtime, action)


@router.post("/sandboxes/{sandbox_id}/outcomes", dependencies=[FromThePage])
def force_outcome(request: Request, runtime: RuntimeDep, form: FormDep) -> HTMLResponse:
    def action(sandbox_id: str) -> str:
        body = admin_outcomes.NewOutcome.model_validate(
            {"outcome": form.get("outcome"), "platform": form.get("platform")}
        )
        admin_outcomes.force(runtime, sandbox_id, body)
        return f"The next {body.platform} refund will end {body.outcome}."

    return _act(request, runtime, action)


@router.post("/sandboxes/{sandbox_id}/outcomes/clear", dependencies=[FromThePage])
def clear_outcomes(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    def action(sandbox_id: str) -> str:
        admin_outcomes.clear(runtime, sandbox_id)
        return "Forced outcomes dropped."

    return _act(request, runtime, action)


@router.post("/sandboxes/{sandbox_id}/rate-limits", dependencies=[FromThePage])
def switch_rate_limit(request: Request, runtime: RuntimeDep, form: FormDep) -> HTMLResponse:
    def action(sandbox_id: str) -> str:
        platform, on = form.get("platform", ""), form.get("on") == "true"
        if platform not in LIMITED_PLATFORMS:
            raise ValueError(f"platform: {platform!r} has no rate limit")
        body = admin_faults.RateLimits.model_validate({platform: on})
        admin_faults.set_rate_limits(runtime, sandbox_id, body)
        return f"{platform} rate limit {'on' if on else 'off'}."

    return _act(request, runtime, action)


def _platform(name: str) -> Platform:
    if name not in PLATFORMS:
        raise ValueError(f"platform: {name!r} is not one of {', '.join(PLATFORMS)}")
    return name  # narrowed to a Platform by the check


@router.post(
    "/sandboxes/{sandbox_id}/orders/{platform}/{order_id}/ship", dependencies=[FromThePage]
)
def ship(
    request: Request, runtime: RuntimeDep, platform: str, order_id: str, store: str | None = None
) -> HTMLResponse:
    def action(sandbox_id: str) -> str:
        admin_orders.ship(runtime, sandbox_id, _platform(platform), order_id, None, store)
        return f"{platform} order {order_id} shipped."

    return _act(request, runtime, action)


@router.post(
    "/sandboxes/{sandbox_id}/orders/{platform}/{order_id}/cancel", dependencies=[FromThePage]
)
def cancel(
    request: Request, runtime: RuntimeDep, platform: str, order_id: str, store: str | None = None
) -> HTMLResponse:
    def action(sandbox_id: str) -> str:
        admin_orders.cancel(runtime, sandbox_id, _platform(platform), order_id, store)
        return f"{platform} order {order_id} cancelled."

    return _act(request, runtime, action)


@router.post("/sandboxes/{sandbox_id}/reset", dependencies=[FromThePage])
def reset(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    def action(sandbox_id: str) -> str:
        admin_sandboxes.reset_one(request, runtime, sandbox_id)
        return "Sandbox reset to its fixtures."

    return _act(request, runtime, action, while_reset=True)


# The journal -------------------------------------------------------------------------


def _entries(request: Request, runtime: Runtime, sandbox_id: str, after: int) -> dict[str, Any]:
    """The entries not shown yet, newest first, and the id to ask after next time."""
    found = journal.newest_after(runtime.db, sandbox_id, after, JOURNAL_SHOWN)
    rules = {}
    if any(entry.fault is not None for entry in found):
        rules = {rule["id"]: rule for rule in faults.views(runtime.db, sandbox_id)}
    base = str(request.base_url)
    shown = [entry_view(entry, as_curl(entry, base), rules.get(entry.fault)) for entry in found]
    return {
        "entries": list(reversed(shown)),
        "last": found[-1].id if found else after,
        "here": _sandbox_url(request, sandbox_id),
        "sandbox_id": sandbox_id,
    }


@router.get("/sandboxes/{sandbox_id}/journal")
def journal_page(request: Request, runtime: RuntimeDep, sandbox_id: str) -> HTMLResponse:
    try:
        sandbox_id = deps.sandbox_id(request)
        shown = _entries(request, runtime, sandbox_id, 0)
    except REFUSALS as error:
        return _html(request, "missing.html", 404, error=_reason(error))
    return _html(request, "journal.html", **shown)


@router.get("/sandboxes/{sandbox_id}/journal/entries")
def journal_entries(
    request: Request, runtime: RuntimeDep, after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0
) -> Response:
    """What the journal page asks for every second: the entries after the last it shows
    (nothing to do, 204, when there are none)."""
    try:
        sandbox_id = deps.sandbox_id(request)
        shown = _entries(request, runtime, sandbox_id, after)
    except REFUSALS as error:
        return _gone(request, error, STOP_POLLING)
    if not shown["entries"]:
        return Response(status_code=204)
    return _html(request, "_entries.html", **shown)


router.include_router(signin.router)
