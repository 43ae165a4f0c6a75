"""Forcing how the next refunds end, as Stripe's test values and moto's state manager do:
success or failure, at once, after N seconds of the sandbox's clock, or after N status
reads; for a sandbox, a platform, or one order."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from mockrefund.admin.deps import RuntimeDep, SandboxDep
from mockrefund.core import outcomes, sandboxes
from mockrefund.core.models import ForcedOutcome, RefundStatus
from mockrefund.fixtures.schema import Platform

router = APIRouter(tags=["outcomes"])


class NewOutcome(BaseModel):
    outcome: Literal["succeeded", "failed"]
    platform: Platform | None = None
    order: str | None = Field(None, description="An order id of that platform.")
    after_seconds: Annotated[float, Field(ge=0, le=86_400)] | None = Field(
        None, description="Settle this many mock seconds after the refund (0: at once)."
    )
    after_reads: Annotated[int, Field(ge=0, le=1000)] | None = Field(
        None, description="Stay pending for this many status reads, then settle."
    )
    count: Annotated[int, Field(ge=1, le=10_000)] = Field(1, description="For this many refunds.")

    @model_validator(mode="after")
    def _consistent(self) -> "NewOutcome":
        if self.order is not None and self.platform is None:
            raise ValueError("name the platform of the order")
        if self.after_seconds is not None and self.after_reads is not None:
            raise ValueError("give after_seconds or after_reads, not both")
        return self


def _view(forced: ForcedOutcome) -> dict[str, Any]:
    return {
        "id": forced.id,
        "outcome": forced.outcome,
        "platform": forced.platform,
        "order": forced.order_ref,
        "after_seconds": forced.after_seconds,
        "after_reads": forced.after_reads,
        "remaining": forced.remaining,
    }


@router.post("/outcomes", status_code=201, summary="Force how the next refunds end")
def force(runtime: RuntimeDep, sandbox_id: SandboxDep, body: NewOutcome) -> dict[str, Any]:
    now = sandboxes.prepare(runtime.db, sandbox_id)[0]
    forced = outcomes.queue(
        runtime.db,
        sandbox_id,
        RefundStatus(body.outcome),
        now,
        platform=body.platform,
        order_ref=body.order,
        after_seconds=body.after_seconds,
        after_reads=body.after_reads,
        count=body.count,
    )
    return _view(forced)


@router.get("/outcomes", summary="Forced outcomes not yet used")
def list_forced(runtime: RuntimeDep, sandbox_id: SandboxDep) -> dict[str, Any]:
    return {"outcomes": [_view(f) for f in outcomes.pending(runtime.db, sandbox_id)]}


@router.delete("/outcomes", summary="Drop every forced outcome")
def clear(runtime: RuntimeDep, sandbox_id: SandboxDep) -> dict[str, bool]:
    outcomes.clear(runtime.db, sandbox_id)
    return {"cleared": True}
