"""The dashboard's buttons: each calls the function its control-plane JSON route calls
(`admin.clock`, `admin.outcomes`, `admin.orders`, `admin.faults`, `admin.sandboxes`), with
the same checks and in the same transaction, and answers with the sandbox's state as it is
afterwards (an HTML fragment htmx puts in the page), saying what was done or why not.

Plain `def` routes, on FastAPI's thread pool, as the control plane's.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import HTMLResponse, Response

from mockrefund.admin import clock as admin_clock
from mockrefund.admin import deps
from mockrefund.admin import faults as admin_faults
from mockrefund.admin import orders as admin_orders
from mockrefund.admin import outcomes as admin_outcomes
from mockrefund.admin import sandboxes as admin_sandboxes
from mockrefund.admin.deps import RuntimeDep
from mockrefund.admin.guard import DASHBOARD
from mockrefund.controls.ratelimits import PLATFORMS as LIMITED_PLATFORMS
from mockrefund.dashboard.responses import (
    REFUSALS,
    gone,
    html,
    reason,
    sandbox_state,
    sandbox_url,
)
from mockrefund.dashboard.templates import duration
from mockrefund.fixtures.schema import PLATFORMS, Platform
from mockrefund.runtime import Runtime

router = APIRouter(prefix=DASHBOARD, include_in_schema=False)
UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


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


@router.post("/sandboxes", dependencies=[FromThePage])
def create_sandbox(request: Request, runtime: RuntimeDep, form: FormDep) -> Response:
    try:
        body = admin_sandboxes.NewSandbox(
            fixtures=form.get("fixtures") or "default",
            clock=admin_sandboxes.ClockSetting(frozen=form.get("frozen") == "on"),
        )
        made = admin_sandboxes.create(request, runtime, body)
    except REFUSALS as error:
        return html(request, "_flash.html", error=reason(error))
    # The new sandbox's page, as a full page load (htmx follows this header).
    return Response(status_code=204, headers={"HX-Redirect": sandbox_url(request, made["id"])})


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
        return gone(request, error)
    done, refused = "", ""
    try:
        done = action(sandbox_id)
    except REFUSALS as error:
        refused = reason(error)
    try:
        state = sandbox_state(request, runtime, sandbox_id, done, refused)
    except REFUSALS as error:
        return gone(request, error)
    return html(request, "_state.html", **state)


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
