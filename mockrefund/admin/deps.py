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
    """The sandbox named by the path (the default one when none is); 404 if unknown, 503
    while it is being reset."""
    return _existing(request, while_reset=False)


def sandbox_id_while_reset(request: Request) -> str:
    """As `sandbox_id`, for what may act on a sandbox being reset: reset and delete it."""
    return _existing(request, while_reset=True)


def _existing(request: Request, while_reset: bool) -> str:
    name = str(request.path_params.get("sandbox_id", sandboxes.DEFAULT_SANDBOX))
    db = runtime_of(request).db
    with db.read() as session:
        sandbox = sandboxes.get(session, name, while_reset=while_reset)
    sandboxes.touch(db, sandbox)
    return name


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
SandboxDep = Annotated[str, Depends(sandbox_id)]
AnySandboxDep = Annotated[str, Depends(sandbox_id_while_reset)]
