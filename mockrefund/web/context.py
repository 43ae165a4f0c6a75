"""Per-request context for emulated APIs: which sandbox, and what time it is there."""

from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request

from mockrefund.core import sandboxes
from mockrefund.runtime import Runtime


@dataclass(frozen=True, slots=True)
class Scope:
    runtime: Runtime
    sandbox_id: str
    now: datetime


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def sandbox_id_of(request: Request) -> str:
    return sandboxes.DEFAULT_SANDBOX


def open_scope(request: Request) -> Scope:
    runtime = runtime_of(request)
    sandbox_id = sandbox_id_of(request)
    now = sandboxes.prepare(runtime.db, sandbox_id)
    return Scope(runtime, sandbox_id, now)
