"""Sandboxes: isolated worlds on one server, made in milliseconds, each with its own data,
clock, id sequences and (to come) journal, faults and forced outcomes."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import AfterValidator, BaseModel, Field
from sqlmodel import col, select

from mockrefund.admin.clock import _aware
from mockrefund.admin.deps import AnySandboxDep, RuntimeDep, SandboxDep
from mockrefund.core import sandboxes as core_sandboxes
from mockrefund.core.models import Credential, Sandbox, Store
from mockrefund.core.sandboxes import DEFAULT_SANDBOX
from mockrefund.fixtures.load import parse_fixture_data
from mockrefund.runtime import TEMPLATE_PREFIX, ClockOptions, Runtime

router = APIRouter(tags=["sandboxes"])


class ClockSetting(BaseModel):
    at: Annotated[datetime, AfterValidator(_aware)] | None = Field(
        None, description="Where the clock starts (default: now)."
    )
    scale: Annotated[float, Field(gt=0, le=1_000_000)] | None = None
    frozen: bool | None = None


class NewSandbox(BaseModel):
    fixtures: str | dict[str, Any] = Field(
        "default",
        description="A fixture set by name (a folder or file beside the default set), "
        "or inline fixtures in the fixture format.",
    )
    seed: int | None = Field(
        None, ge=0, le=2**63 - 1, description="Seed for settle delays (default: the server's)."
    )
    clock: ClockSetting = Field(default_factory=ClockSetting)


class CredentialView(BaseModel):
    platform: str
    store: str
    key: str
    secret: str | None = None
    permissions: str


class SandboxView(BaseModel):
    id: str
    fixtures: str
    seed: int
    created_at: datetime
    last_used_at: datetime | None
    base_urls: dict[str, str] = Field(
        description="Per platform, what a client uses as its base URL for this sandbox."
    )
    admin_url: str
    credentials: list[CredentialView]


def describe(request: Request, runtime: Runtime, sandbox: Sandbox) -> dict[str, Any]:
    root = str(request.base_url).rstrip("/")
    prefix = "" if sandbox.id == core_sandboxes.DEFAULT_SANDBOX else f"/sandboxes/{sandbox.id}"
    admin = "/__admin" + ("" if not prefix else f"/sandboxes/{sandbox.id}")
    with runtime.db.read() as session:
        rows = session.exec(
            select(Credential, Store)
            .join(Store, col(Store.id) == col(Credential.store_id))
            .where(Credential.sandbox_id == sandbox.id)
            .order_by(col(Credential.id))
        ).all()
    return {
        "id": sandbox.id,
        "fixtures": sandbox.fixtures,
        "seed": sandbox.seed,
        "created_at": sandbox.created_at,
        "last_used_at": sandbox.last_used_at,
        "base_urls": {
            "kakaclo": f"{root}{prefix}/openapi",
            "shopline": f"{root}{prefix}",
            "woocommerce": f"{root}{prefix}",
        },
        "admin_url": f"{root}{admin}",
        "credentials": [
            {
                "platform": credential.platform,
                "store": store.handle,
                "key": credential.key,
                "secret": credential.secret,
                "permissions": credential.permissions,
            }
            for credential, store in rows
        ],
    }


@router.post("/sandboxes", status_code=201, response_model=SandboxView, summary="Create a sandbox")
def create(request: Request, runtime: RuntimeDep, body: NewSandbox | None = None) -> Any:
    body = body or NewSandbox()
    fixtures: Any = body.fixtures
    if isinstance(fixtures, dict):
        fixtures = parse_fixture_data(fixtures, "fixtures")
    clock = ClockOptions(at=body.clock.at, scale=body.clock.scale, frozen=body.clock.frozen)
    sandbox = runtime.create_sandbox(fixtures, body.seed, clock)
    return describe(request, runtime, sandbox)


def listed(runtime: Runtime) -> list[Sandbox]:
    """Every sandbox a client may name (not the hidden templates), the default first;
    at most `max_sandboxes` and the default one."""
    with runtime.db.read() as session:
        return list(
            session.exec(
                select(Sandbox)
                .where(col(Sandbox.id).not_like(TEMPLATE_PREFIX + "%"))
                .order_by(col(Sandbox.id) != DEFAULT_SANDBOX, col(Sandbox.created_at))
            ).all()
        )


@router.get("/sandboxes", response_model=list[SandboxView], summary="List the sandboxes")
def list_all(request: Request, runtime: RuntimeDep) -> Any:
    return [describe(request, runtime, sandbox) for sandbox in listed(runtime)]


@router.get("/sandboxes/{sandbox_id}", response_model=SandboxView, summary="Describe a sandbox")
def read(request: Request, runtime: RuntimeDep, sandbox_id: SandboxDep) -> Any:
    with runtime.db.read() as session:
        sandbox = core_sandboxes.get(session, sandbox_id)
    return describe(request, runtime, sandbox)


@router.delete("/sandboxes/{sandbox_id}", status_code=204, summary="Delete a sandbox")
def remove(runtime: RuntimeDep, sandbox_id: AnySandboxDep) -> Response:
    runtime.delete_sandbox(sandbox_id)
    return Response(status_code=204)


@router.post("/sandboxes/{sandbox_id}/reset", response_model=SandboxView, summary="Reset")
def reset_one(request: Request, runtime: RuntimeDep, sandbox_id: AnySandboxDep) -> Any:
    """Back to its fixtures: data, ids, clock (its settings kept), journal."""
    return describe(request, runtime, runtime.reset(sandbox_id))


@router.post("/reset", response_model=SandboxView, summary="Reset the default sandbox")
def reset_default(request: Request, runtime: RuntimeDep) -> Any:
    return describe(request, runtime, runtime.reset(core_sandboxes.DEFAULT_SANDBOX))
