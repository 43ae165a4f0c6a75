"""Per-request context for emulated APIs: which sandbox, and what time it is there."""

from dataclasses import dataclass, replace
from datetime import datetime

from starlette.requests import Request

from mockrefund.core import sandboxes
from mockrefund.core.models import Sandbox
from mockrefund.core.refunds import Lifecycle
from mockrefund.runtime import Runtime
from mockrefund.web.sandbox_routing import ORIGINAL_PATH_KEY, SANDBOX_KEY


@dataclass(frozen=True, slots=True)
class Scope:
    runtime: Runtime
    sandbox_id: str
    # As read for this request (a plain value: its clock, seed and switches).
    sandbox: Sandbox
    now: datetime
    # The settings' lifecycle with the sandbox's own seed.
    life: Lifecycle


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def sandbox_id_of(request: Request) -> str:
    return str(request.scope.get("state", {}).get(SANDBOX_KEY, sandboxes.DEFAULT_SANDBOX))


def original_path(request: Request) -> str:
    """The path as the client sent it, `/sandboxes/{id}` prefix included."""
    return str(request.scope.get("state", {}).get(ORIGINAL_PATH_KEY, request.url.path))


def open_scope(request: Request) -> Scope:
    runtime = runtime_of(request)
    sandbox_id = sandbox_id_of(request)
    now, sandbox = sandboxes.prepare(runtime.db, sandbox_id)
    sandboxes.touch(runtime.db, sandbox)
    return Scope(runtime, sandbox_id, sandbox, now, replace(runtime.life, seed=sandbox.seed))
