"""The control plane is built by its first request, not at start: the emulated APIs are
served without it, and it works in full from its first call on."""

from fastapi.testclient import TestClient

from mockrefund.app import create_app
from tests.conftest import make_settings
from tests.platforms.kakaclo.conftest import SEED_ITEMS, Kakaclo


def built(client: TestClient) -> bool:
    """Whether the control plane's routes are mounted (its docs page is one of them)."""
    routes = client.app.routes  # type: ignore[attr-defined]
    return any(getattr(route, "path", "") == "/__admin/docs" for route in routes)


def test_emulated_requests_do_not_build_it_and_the_first_admin_request_does() -> None:
    with TestClient(create_app(make_settings())) as client:
        kakaclo = Kakaclo(client)
        assert kakaclo.refund("10001", SEED_ITEMS).json()["data"] == 10002
        assert not built(client)
        # The first admin call is answered in full, and everything after it too.
        advanced = client.post("/__admin/clock/advance", json={"seconds": 86400})
        assert advanced.status_code == 200
        assert advanced.json()["settled"] == 1
        assert built(client)
        assert kakaclo.query("10001").json()["data"]["list"][0]["refundStatus"] == (
            "refund_successfully"
        )
