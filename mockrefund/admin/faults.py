"""Fault rules and the platforms' own rate limits, per sandbox."""

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict

from mockrefund.admin.deps import RuntimeDep, SandboxDep
from mockrefund.admin.fault_rules import FaultRule

router = APIRouter(tags=["faults"])


class RateLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")  # only these platforms have published limits

    kakaclo: bool | None = None
    shopline: bool | None = None


@router.post("/faults", status_code=201, summary="Add a fault rule")
def add_fault(runtime: RuntimeDep, sandbox_id: SandboxDep, rule: FaultRule) -> dict[str, Any]:
    return runtime.controls.of(sandbox_id).faults.add(rule).view()


@router.get("/faults", summary="The fault rules in force")
def list_faults(runtime: RuntimeDep, sandbox_id: SandboxDep) -> dict[str, Any]:
    return {"faults": [fault.view() for fault in runtime.controls.of(sandbox_id).faults.all()]}


@router.delete("/faults", summary="Remove every fault rule")
def clear_faults(runtime: RuntimeDep, sandbox_id: SandboxDep) -> dict[str, bool]:
    runtime.controls.of(sandbox_id).faults.clear()
    return {"cleared": True}


@router.delete("/faults/{fault_id}", summary="Remove one fault rule")
def remove_fault(runtime: RuntimeDep, sandbox_id: SandboxDep, fault_id: int) -> dict[str, bool]:
    if not runtime.controls.of(sandbox_id).faults.remove(fault_id):
        raise HTTPException(404, f"no fault rule {fault_id} in this sandbox")
    return {"removed": True}


@router.get("/rate-limits", summary="Which platforms' rate limits are on")
def read_rate_limits(runtime: RuntimeDep, sandbox_id: SandboxDep) -> dict[str, bool]:
    return dict(runtime.controls.of(sandbox_id).rate_limits)


@router.put("/rate-limits", summary="Switch the platforms' rate limits on or off")
def set_rate_limits(
    runtime: RuntimeDep, sandbox_id: SandboxDep, body: RateLimits
) -> dict[str, bool]:
    limits = runtime.controls.of(sandbox_id).rate_limits
    for platform, on in body.model_dump(exclude_none=True).items():
        limits[platform] = on
    return dict(limits)
