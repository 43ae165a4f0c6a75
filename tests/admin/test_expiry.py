"""Idle sandboxes expire; used ones, the default and the templates stay."""

from datetime import timedelta

from fastapi.testclient import TestClient

from mockrefund.clock import wall_now
from mockrefund.core import sandboxes
from mockrefund.runtime import Runtime
from tests.platforms.kakaclo.conftest import AUTH


def age(runtime: Runtime, sandbox_id: str, seconds: float) -> None:
    with runtime.db.write() as session:
        sandbox = sandboxes.get(session, sandbox_id)
        sandbox.last_used_at = wall_now() - timedelta(seconds=seconds)
        session.add(sandbox)


def test_idle_sandboxes_expire_and_used_ones_stay(client: TestClient) -> None:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    idle = client.post("/__admin/sandboxes").json()["id"]
    used = client.post("/__admin/sandboxes").json()["id"]
    ttl = runtime.settings.sandbox_ttl
    age(runtime, idle, ttl + 1)
    age(runtime, used, ttl + 1)
    age(runtime, sandboxes.DEFAULT_SANDBOX, ttl + 1)
    # A request to the sandbox counts as use.
    assert client.get(f"/sandboxes/{used}/openapi/v2/order/orders", headers=AUTH).status_code == 200

    assert runtime.expire_idle() == [idle]
    assert client.get(f"/__admin/sandboxes/{idle}").status_code == 404
    assert client.get(f"/__admin/sandboxes/{used}").status_code == 200
    assert client.get("/__admin/sandboxes/default").status_code == 200
    # Sandboxes made afterwards still copy their template.
    fresh = client.post("/__admin/sandboxes").json()["id"]
    listed = client.get(f"/sandboxes/{fresh}/openapi/v2/order/orders", headers=AUTH).json()
    assert listed["data"]["total"] == 9


def test_use_is_recorded_at_most_once_a_minute(client: TestClient) -> None:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    sandbox = client.post("/__admin/sandboxes").json()["id"]
    age(runtime, sandbox, 30)
    client.get(f"/sandboxes/{sandbox}/openapi/v2/order/orders", headers=AUTH)
    with runtime.db.read() as session:
        seen = sandboxes.get(session, sandbox).last_used_at
    assert seen is not None
    assert wall_now() - seen >= timedelta(seconds=29)  # not rewritten: younger than a minute
