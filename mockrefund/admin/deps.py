"""What admin endpoints share: the runtime, and which sandbox a route is about.

Every per-sandbox endpoint is mounted twice: at `/__admin/...` for the default sandbox
and at `/__admin/sandboxes/{sandbox_id}/...` for any other.
"""

from typing import Annotated

from fastapi import Depends, Request

from mockrefund.core.sandboxes import DEFAULT_SANDBOX
from mockrefund.runtime import Runtime
from mockrefund.web.context import runtime_of


def sandbox_id(request: Request) -> str:
    return str(request.path_params.get("sandbox_id", DEFAULT_SANDBOX))


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
SandboxDep = Annotated[str, Depends(sandbox_id)]
