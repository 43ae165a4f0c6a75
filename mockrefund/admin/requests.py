"""The journal over HTTP: what clients sent to the emulated APIs, and what they got."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from mockrefund.admin.deps import RuntimeDep, SandboxDep
from mockrefund.admin.journal import Filter

router = APIRouter(tags=["journal"])


def _filter(
    platform: str | None = None,
    method: str | None = None,
    path: Annotated[
        str | None, Query(description="Regular expression searched in the path")
    ] = None,
    status: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Filter:
    return Filter(platform, method, path, status, since, until)


@router.get("/requests", summary="Recorded requests, oldest first")
def list_requests(
    runtime: RuntimeDep,
    sandbox_id: SandboxDep,
    platform: str | None = None,
    method: str | None = None,
    path: Annotated[
        str | None, Query(description="Regular expression searched in the path")
    ] = None,
    status: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int | None, Query(ge=1, description="Only the newest N")] = None,
) -> dict[str, Any]:
    where = _filter(platform, method, path, status, since, until)
    entries = runtime.controls.of(sandbox_id).journal.select(where, limit)
    return {"requests": [entry.view() for entry in entries]}


@router.get("/requests/count", summary="How many recorded requests match")
def count_requests(
    runtime: RuntimeDep,
    sandbox_id: SandboxDep,
    platform: str | None = None,
    method: str | None = None,
    path: Annotated[
        str | None, Query(description="Regular expression searched in the path")
    ] = None,
    status: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, int]:
    where = _filter(platform, method, path, status, since, until)
    return {"count": runtime.controls.of(sandbox_id).journal.count(where)}


@router.delete("/requests", summary="Forget the recorded requests")
def clear_requests(runtime: RuntimeDep, sandbox_id: SandboxDep) -> dict[str, bool]:
    runtime.controls.of(sandbox_id).journal.clear()
    return {"cleared": True}
