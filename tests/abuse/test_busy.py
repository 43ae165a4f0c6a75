"""A sandbox being reset in steps answers "busy" — 503 with Retry-After, in the caller's
format — until the reset ends; one whose reset was cut short can be reset again."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from mockrefund.app import create_app
from mockrefund.clock import wall_now
from mockrefund.core.models import Sandbox
from mockrefund.core.sandboxes import RESET_ABANDONED_AFTER
from tests.conftest import make_settings
from tests.platforms.kakaclo.conftest import AUTH


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(db=str(tmp_path / "busy.db")))) as client:
        yield client


def mark_resetting(client: TestClient, sandbox_id: str, ago: timedelta) -> None:
    """As a reset in steps (of this server or another) marks the sandbox it works on."""
    with client.app.state.runtime.db.write() as session:  # type: ignore[attr-defined]
        session.execute(
            update(Sandbox)
            .where(Sandbox.id == sandbox_id)  # type: ignore[arg-type]
            .values(resetting_since=wall_now() - ago)
        )


def test_every_platform_answers_busy_in_its_own_format(client: TestClient) -> None:
    sandbox = client.post("/__admin/sandboxes").json()["id"]
    mark_resetting(client, sandbox, timedelta(0))
    prefix = f"/sandboxes/{sandbox}"

    kakaclo = client.get(f"{prefix}/openapi/v2/order/orders/refund/10001", headers=AUTH)
    assert kakaclo.status_code == 503
    assert kakaclo.json()["code"] == 50300
    assert "being reset" in kakaclo.json()["message"]

    shopline = client.get(f"{prefix}/admin/openapi/v20220901/orders/1001/refunds.json")
    assert shopline.status_code == 503
    assert "being reset" in shopline.json()["errors"]

    woo = client.get(f"{prefix}/wc-api/v3/orders/645/refunds")
    assert woo.status_code == 503
    assert woo.json()["errors"][0]["code"] == "woocommerce_api_internal_error"

    admin = client.get(f"/__admin/sandboxes/{sandbox}/clock")
    assert admin.status_code == 503
    assert "being reset" in admin.json()["error"]
    for answer in (kakaclo, shopline, woo, admin):
        assert answer.headers["Retry-After"] == "1"
    # A second reset waits for the first rather than running into it.
    assert client.post(f"/__admin/sandboxes/{sandbox}/reset").status_code == 503
    # Other sandboxes are not concerned.
    assert client.get("/openapi/v2/order/orders/refund/10001", headers=AUTH).status_code == 200


def test_a_reset_cut_short_can_be_started_again(client: TestClient) -> None:
    sandbox = client.post("/__admin/sandboxes").json()["id"]
    mark_resetting(client, sandbox, RESET_ABANDONED_AFTER + timedelta(seconds=1))
    query = f"/sandboxes/{sandbox}/openapi/v2/order/orders/refund/10001"
    assert client.get(query, headers=AUTH).status_code == 503  # its data may be half-copied
    assert client.post(f"/__admin/sandboxes/{sandbox}/reset").status_code == 200
    assert client.get(query, headers=AUTH).json()["code"] == 10000
