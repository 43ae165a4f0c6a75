"""The control plane under `/__admin`, assembled.

Per-sandbox endpoints (the clock, and what comes after it) are mounted at `/__admin/...`
for the default sandbox and at `/__admin/sandboxes/{sandbox_id}/...` for any other.
"""

from typing import Any

from fastapi import APIRouter, FastAPI

from mockrefund import __version__
from mockrefund.admin import (
    clock,
    faults,
    metrics,
    orders,
    outcomes,
    requests,
    requests_stream,
    sandboxes,
)
from mockrefund.admin.deps import RuntimeDep
from mockrefund.core import sandboxes as core_sandboxes
from mockrefund.dashboard.routes import install as install_dashboard

ADMIN = "/__admin"
# The health check answers anyone; everything else needs the admin token when one is set.
router = APIRouter(prefix=ADMIN)
# Guarded by the admin token, when one is set (`admin.guard`, in front of every route).
guarded = APIRouter()


@router.get("/health", tags=["server"], summary="Is the server up")
def health(runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.db.read() as session:
        core_sandboxes.get(session, core_sandboxes.DEFAULT_SANDBOX)
    return {"status": "ok", "version": __version__}


guarded.include_router(sandboxes.router)
guarded.include_router(metrics.router)
guarded.include_router(requests_stream.server_router)
for prefix in ("", "/sandboxes/{sandbox_id}"):
    for part in (clock, orders, outcomes, requests, requests_stream, faults):
        guarded.include_router(part.router, prefix=prefix)
router.include_router(guarded)


def install(app: FastAPI) -> None:
    """Mount the control plane (its errors are answered by `admin.answers`) and its
    dashboard."""
    app.include_router(router)
    install_dashboard(app)
