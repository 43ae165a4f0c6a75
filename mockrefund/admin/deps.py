"""What admin endpoints share: the runtime, and which sandbox a route is about.

Every per-sandbox endpoint is mounted twice: at `/__admin/...` for the default sandbox
and at `/__admin/sandboxes/{sandbox_id}/...` for any other.
"""

from typing import Annotated

from fastapi import Depends, Request

from mockrefund.core import sandboxes
from mockrefund.runtime import Runtime
from mockrefund.web.context import runtime_of


def sandbox_id(request: Request) -> str:
    """The sandbox named by the path (the default one when none is); 404 if unknown."""
    name = str(request.path_params.get("sandbox_id", sandboxes.DEFAULT_SANDBOX))
    db = runtime_of(request).db
    with db.read() as session:
        sandbox = sandboxes.get(session, name)
    sandboxes.touch(db, sandbox)
    return name


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
SandboxDep = Annotated[str, Depends(sandbox_id)]
