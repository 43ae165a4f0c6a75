"""The mock clock of a sandbox: read, freeze, resume, set, scale, advance."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import AfterValidator, BaseModel, Field

from mockrefund.admin.deps import RuntimeDep, SandboxDep
from mockrefund.clock import ClockState
from mockrefund.core import sandboxes

router = APIRouter(tags=["clock"])
TEN_YEARS = 10 * 365 * 86400


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone, e.g. 2025-01-01T00:00:00Z")
    return value


class ClockView(BaseModel):
    now: datetime
    frozen: bool
    scale: float
    settled: int = Field(0, description="Refunds that settled because of this change.")


class Advance(BaseModel):
    seconds: Annotated[float, Field(ge=0, le=TEN_YEARS)]


class SetTime(BaseModel):
    at: Annotated[datetime, AfterValidator(_aware)]


class Scale(BaseModel):
    scale: Annotated[float, Field(gt=0, le=1_000_000)]


def _change(
    runtime: RuntimeDep,
    sandbox_id: str,
    change: Callable[[ClockState, datetime], ClockState],
) -> dict[str, Any]:
    state, now, settled = sandboxes.change_clock(runtime.db, sandbox_id, change)
    return {"now": now, "frozen": state.frozen, "scale": state.scale, "settled": settled}


@router.get("/clock", response_model=ClockView, summary="Read the clock")
def read_clock(runtime: RuntimeDep, sandbox_id: SandboxDep) -> dict[str, Any]:
    return _change(runtime, sandbox_id, lambda state, _wall: state)


@router.post("/clock/advance", response_model=ClockView, summary="Move the clock forward")
def advance(runtime: RuntimeDep, sandbox_id: SandboxDep, body: Advance) -> dict[str, Any]:
    """Every refund that falls due settles, in order, before this answers."""
    return _change(runtime, sandbox_id, lambda s, wall: s.advanced(wall, body.seconds))


@router.post("/clock/freeze", response_model=ClockView, summary="Stop the clock")
def freeze(runtime: RuntimeDep, sandbox_id: SandboxDep) -> dict[str, Any]:
    return _change(runtime, sandbox_id, lambda s, wall: s.frozen_at(wall))


@router.post("/clock/resume", response_model=ClockView, summary="Let a frozen clock run")
def resume(runtime: RuntimeDep, sandbox_id: SandboxDep) -> dict[str, Any]:
    return _change(runtime, sandbox_id, lambda s, wall: s.resumed(wall))


@router.post("/clock/set", response_model=ClockView, summary="Set the clock to a moment")
def set_time(runtime: RuntimeDep, sandbox_id: SandboxDep, body: SetTime) -> dict[str, Any]:
    """Forward or back; what falls due by the new time settles."""
    return _change(runtime, sandbox_id, lambda s, wall: s.set_to(wall, body.at))


@router.post("/clock/scale", response_model=ClockView, summary="Set mock seconds per second")
def scale(runtime: RuntimeDep, sandbox_id: SandboxDep, body: Scale) -> dict[str, Any]:
    return _change(runtime, sandbox_id, lambda s, wall: s.scaled(wall, body.scale))
