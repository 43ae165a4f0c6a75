"""Fault rules and the platforms' own rate limits, per sandbox (rows every server shares)."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, ConfigDict

from mockrefund.admin.deps import RuntimeDep, SandboxDep
from mockrefund.controls import faults
from mockrefund.controls.faults import FaultRule
from mockrefund.controls.ratelimits import PLATFORMS, switched_on
from mockrefund.core import sandboxes
from mockrefund.core.models import Sandbox

router = APIRouter(tags=["faults"])


class RateLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")  # only these platforms have published limits

    kakaclo: bool | None = None
    shopline: bool | None = None


@router.post("/faults", status_code=201, summary="Add a fault rule")
def add_fault(runtime: RuntimeDep, sandbox_id: SandboxDep, rule: FaultRule) -> dict[str, Any]:
    return faults.add(runtime.db, sandbox_id, rule)


@router.get("/faults", summary="The fault rules in force")
def list_faults(runtime: RuntimeDep, sandbox_id: SandboxDep) -> dict[str, Any]:
    return {"faults": faults.views(runtime.db, sandbox_id)}


@router.delete("/faults", summary="Remove every fault rule")
def clear_faults(runtime: RuntimeDep, sandbox_id: SandboxDep) -> dict[str, bool]:
    faults.clear(runtime.db, sandbox_id)
    return {"cleared": True}


@router.delete("/faults/{fault_id}", summary="Remove one fault rule")
def remove_fault(
    runtime: RuntimeDep,
    sandbox_id: SandboxDep,
    fault_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="The rule's id.")],
) -> dict[str, bool]:
    if not faults.remove(runtime.db, sandbox_id, fault_id):
        raise HTTPException(404, f"no fault rule {fault_id} in this sandbox")
    return {"removed": True}


@router.get("/rate-limits", summary="Which platforms' rate limits are on")
def read_rate_limits(runtime: RuntimeDep, sandbox_id: SandboxDep) -> dict[str, bool]:
    with runtime.db.read() as session:
        return _switches(sandboxes.get(session, sandbox_id))


@router.put("/rate-limits", summary="Switch the platforms' rate limits on or off")
def set_rate_limits(
    runtime: RuntimeDep, sandbox_id: SandboxDep, body: RateLimits
) -> dict[str, bool]:
    switches = body.model_dump(exclude_none=True)
    return _switches(sandboxes.set_rate_limits(runtime.db, sandbox_id, switches))


def _switches(sandbox: Sandbox) -> dict[str, bool]:
    return {platform: switched_on(sandbox, platform) for platform in PLATFORMS}
