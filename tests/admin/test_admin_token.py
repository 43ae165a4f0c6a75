"""With an admin token set, the control plane answers only those who send it."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mockrefund.app import create_app
from mockrefund.cli import main
from tests.conftest import make_settings
from tests.platforms.kakaclo.conftest import AUTH


@pytest.fixture
def guarded() -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(admin_token="s3cret"))) as client:
        yield client


def test_admin_calls_need_the_token(guarded: TestClient) -> None:
    refused = guarded.post("/__admin/sandboxes")
    assert refused.status_code == 401
    assert "admin token" in refused.json()["error"]
    assert (
        guarded.get("/__admin/requests", headers={"Authorization": "Bearer wrong"}).status_code
        == 401
    )
    assert (
        guarded.post(
            "/__admin/sandboxes", headers={"X-Mockrefund-Admin-Token": "s3cret"}
        ).status_code
        == 201
    )
    assert (
        guarded.get("/__admin/clock", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    )


@pytest.mark.parametrize(
    "path",
    [
        "/__admin/openapi.json",
        "/__admin/docs",
        "/__admin/static/swagger-ui.css",
        "/__admin/openapi/kakaclo.json",
        "/__admin/sandboxes",
        "/__admin/no-such-route",
        "/__admin/ui/",
        "/__admin/ui/static/htmx.min.js",
    ],
)
def test_every_admin_route_but_health_needs_the_token(guarded: TestClient, path: str) -> None:
    refused = guarded.get(path)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert guarded.get(path, headers={"Authorization": "Bearer s3cret"}).status_code in (200, 404)


def test_the_health_check_and_the_emulated_apis_stay_open(guarded: TestClient) -> None:
    assert guarded.get("/__admin/health").status_code == 200
    assert guarded.get("/openapi/v2/order/orders", headers=AUTH).status_code == 200


def test_a_public_address_without_a_token_warns_at_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    monkeypatch.setattr("mockrefund.cli._check_port_free", lambda host, port: None)
    assert main(["serve", "--host", "0.0.0.0", "--db", ":memory:"]) == 0
    assert "no admin token" in capsys.readouterr().err
    monkeypatch.setenv("MOCKREFUND_ADMIN_TOKEN", "t")
    assert main(["serve", "--host", "0.0.0.0", "--db", ":memory:"]) == 0
    assert "no admin token" not in capsys.readouterr().err


def test_the_client_sends_the_token(guarded: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from mockrefund.client import MockrefundError, Server

    with pytest.raises(MockrefundError) as refused:
        Server("http://testserver", http=guarded).create_sandbox()
    assert refused.value.status == 401
    assert Server("http://testserver", http=guarded, admin_token="s3cret").create_sandbox().id
    monkeypatch.setenv("MOCKREFUND_ADMIN_TOKEN", "s3cret")
    assert Server("http://testserver", http=guarded).create_sandbox().id


def test_the_control_plane_refuses_bodies_over_its_limit() -> None:
    with TestClient(create_app(make_settings(admin_body_limit=2048))) as client:
        big = {"fixtures": {"stores": [{"platform": "kakaclo", "handle": "x" * 4000}]}}
        declared = client.post("/__admin/sandboxes", json=big)
        assert declared.status_code == 413
        assert "MOCKREFUND_ADMIN_BODY_LIMIT" in declared.json()["error"]

        def chunks() -> Iterator[bytes]:
            yield b'{"fixtures": "'
            yield b"x" * 4000
            yield b'"}'

        streamed = client.post(
            "/__admin/sandboxes", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413
        assert client.post("/__admin/sandboxes", json={}).status_code == 201
