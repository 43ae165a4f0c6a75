"""Control-plane endpoints for the default sandbox."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from mockrefund import __version__
from mockrefund.clock import ClockState
from mockrefund.core import sandboxes
from mockrefund.core.sandboxes import DEFAULT_SANDBOX
from mockrefund.web.context import runtime_of

router = APIRouter(prefix="/__admin", tags=["admin"])


class Advance(BaseModel):
    seconds: Annotated[float, Field(ge=0, le=10 * 365 * 86400)]


class ClockView(BaseModel):
    now: datetime
    frozen: bool
    scale: float


class AdvanceResult(ClockView):
    settled: int = Field(description="Refunds that settled because of this change.")


def _view(state: ClockState, now: datetime) -> dict[str, Any]:
    return {"now": now, "frozen": state.frozen, "scale": state.scale}


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    runtime = runtime_of(request)
    with runtime.db.read() as session:
        sandboxes.get(session, DEFAULT_SANDBOX)
    return {"status": "ok", "version": __version__}


@router.post("/reset")
def reset(request: Request) -> dict[str, Any]:
    """Put the default sandbox back to its fixtures: data, ids and clock."""
    runtime_of(request).reset(DEFAULT_SANDBOX)
    return {"status": "reset", "sandbox": DEFAULT_SANDBOX}


@router.get("/clock", response_model=ClockView)
def read_clock(request: Request) -> dict[str, Any]:
    db = runtime_of(request).db
    state, now, _ = sandboxes.change_clock(db, DEFAULT_SANDBOX, lambda s, _wall: s)
    return _view(state, now)


@router.post("/clock/advance", response_model=AdvanceResult)
def advance_clock(request: Request, body: Advance) -> dict[str, Any]:
    """Move the mock clock forward; every refund that falls due settles before this answers."""
    db = runtime_of(request).db
    state, now, settled = sandboxes.change_clock(
        db, DEFAULT_SANDBOX, lambda s, wall: s.advanced(wall, body.seconds)
    )
    return {**_view(state, now), "settled": settled}
