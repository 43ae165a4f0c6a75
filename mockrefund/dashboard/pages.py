"""The dashboard's pages: the sandboxes, a sandbox, its journal, and the fragments the
pages fetch again to stay current.

Every route is a plain `def`: FastAPI runs it on its thread pool, so the database work of
a page never holds up the event loop. A sandbox is reached only by its id, checked by the
control plane's own dependency (`admin.deps`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from mockrefund.admin import deps
from mockrefund.admin import sandboxes as admin_sandboxes
from mockrefund.admin.deps import RuntimeDep
from mockrefund.admin.guard import DASHBOARD
from mockrefund.clock import wall_now
from mockrefund.controls import faults, journal
from mockrefund.core import sandboxes
from mockrefund.dashboard.curl import as_curl
from mockrefund.dashboard.entries import entry_view
from mockrefund.dashboard.responses import (
    REFUSALS,
    dashboard_root,
    gone,
    html,
    reason,
    sandbox_state,
    sandbox_url,
)
from mockrefund.runtime import Runtime

router = APIRouter(prefix=DASHBOARD, include_in_schema=False)
JOURNAL_SHOWN = 50  # entries on the journal page, and at most per refresh of it
# htmx stops polling an element answered with this status (the sandbox is gone).
STOP_POLLING = 286


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
    return RedirectResponse(dashboard_root(request) + "/", 307)


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
    return html(request, "sandboxes.html", sandboxes=rows, most=runtime.settings.max_sandboxes)


@router.get("/sandboxes/{sandbox_id}")
def sandbox_page(request: Request, runtime: RuntimeDep, sandbox_id: str) -> HTMLResponse:
    try:
        sandbox_id = deps.sandbox_id(request)
        described = admin_sandboxes.read(request, runtime, sandbox_id)
        state = sandbox_state(request, runtime, sandbox_id)
    except REFUSALS as error:
        return html(request, "missing.html", 404, error=reason(error))
    return html(request, "sandbox.html", described=described, **state)


@router.get("/sandboxes/{sandbox_id}/state")
def sandboxsandbox_state(request: Request, runtime: RuntimeDep, sandbox_id: str) -> HTMLResponse:
    """The changing part of the page, which the page fetches again every few seconds."""
    try:
        sandbox_id = deps.sandbox_id(request)
        return html(request, "_state.html", **sandbox_state(request, runtime, sandbox_id))
    except REFUSALS as error:
        return gone(request, error)


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
        "here": sandbox_url(request, sandbox_id),
        "sandbox_id": sandbox_id,
    }


@router.get("/sandboxes/{sandbox_id}/journal")
def journal_page(request: Request, runtime: RuntimeDep, sandbox_id: str) -> HTMLResponse:
    try:
        sandbox_id = deps.sandbox_id(request)
        shown = _entries(request, runtime, sandbox_id, 0)
    except REFUSALS as error:
        return html(request, "missing.html", 404, error=reason(error))
    return html(request, "journal.html", **shown)


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
        return gone(request, error, STOP_POLLING)
    if not shown["entries"]:
        return Response(status_code=204)
    return html(request, "_entries.html", **shown)
