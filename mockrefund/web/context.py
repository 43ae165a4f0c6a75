"""Per-request context for emulated APIs: which sandbox, and what time it is there."""

import contextlib
from dataclasses import dataclass, replace
from datetime import datetime

from starlette.requests import Request

from mockrefund.core import credentials, sandboxes
from mockrefund.core.models import Credential, Sandbox, Store
from mockrefund.core.refunds import Lifecycle
from mockrefund.runtime import Runtime
from mockrefund.web.request_context import STATE_KEY, RequestContext
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
    # What the traffic middleware read for this request, if it read (the credential).
    context: RequestContext | None = None

    @property
    def forced_queued(self) -> bool:
        """Whether a refund must look for a forced outcome (True when not known)."""
        return self.context is None or self.context.forced_queued


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
    context: RequestContext | None = request.scope.get("state", {}).get(STATE_KEY)
    if context is not None and context.sandbox.id != sandbox_id:
        context = None
    read = None if context is None else (context.sandbox, context.next_due)
    now, sandbox = sandboxes.prepare(runtime.db, sandbox_id, read)
    sandboxes.touch(runtime.db, sandbox)
    life = replace(runtime.life, seed=sandbox.seed)
    return Scope(runtime, sandbox_id, sandbox, now, life, context)


def credential_of(scope: Scope, platform: str, key: str) -> tuple[Credential, Store] | None:
    """The credential named by `key` on `platform` in the scope's sandbox, with its store
    (None: no such credential): as the request's context read it, or read now."""
    if scope.context is not None:
        with contextlib.suppress(LookupError):
            return scope.context.credential_for(platform, key)
    return credentials.lookup(scope.runtime.db, scope.sandbox_id, platform, key)
