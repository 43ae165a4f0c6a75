"""The journal over HTTP: what clients sent to the emulated APIs, and what they got."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from mockrefund.admin.deps import RuntimeDep, SandboxDep
from mockrefund.controls import journal
from mockrefund.controls.journal import Filter
from mockrefund.controls.patterns import PatternError, compile_pattern

router = APIRouter(tags=["journal"])


def _filter(
    platform: str | None = None,
    method: str | None = None,
    path: Annotated[
        str | None, Query(description="Regular expression searched in the path")
    ] = None,
    status: Annotated[int | None, Query(ge=100, le=599, description="Only this status")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Filter:
    if path is not None:
        try:
            compile_pattern(path)
        except PatternError as error:
            raise HTTPException(400, f"path: {error}") from None
    return Filter(platform, method, path, status, _utc(since), _utc(until))


def _utc(moment: datetime | None) -> datetime | None:
    """Journal times are wall-clock UTC; a time given without a zone is read as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


# The query parameters `_filter` takes, as one dependency shared by both reads.
FilterDep = Annotated[Filter, Depends(_filter)]


@router.get("/requests", summary="Recorded requests, oldest first")
def list_requests(
    runtime: RuntimeDep,
    sandbox_id: SandboxDep,
    where: FilterDep,
    limit: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Only the newest N")] = None,
) -> dict[str, Any]:
    entries = journal.select_entries(runtime.db, sandbox_id, where, limit)
    return {"requests": [entry.view() for entry in entries]}


@router.get("/requests/count", summary="How many recorded requests match")
def count_requests(runtime: RuntimeDep, sandbox_id: SandboxDep, where: FilterDep) -> dict[str, int]:
    return {"count": journal.count(runtime.db, sandbox_id, where)}


@router.delete("/requests", summary="Forget the recorded requests")
def clear_requests(runtime: RuntimeDep, sandbox_id: SandboxDep) -> dict[str, bool]:
    journal.clear(runtime.db, sandbox_id)
    return {"cleared": True}
