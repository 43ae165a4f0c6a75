"""The store: seeded once, kept across restarts, seeded again on reset."""

from pathlib import Path

from fastapi.testclient import TestClient

from mockrefund.app import create_app
from tests.conftest import make_settings
from tests.platforms.kakaclo.conftest import SEED_ITEMS, Kakaclo


def test_a_restart_keeps_the_data_and_reset_seeds_again(tmp_path: Path) -> None:
    db = str(tmp_path / "keep.db")
    with TestClient(create_app(make_settings(db=db))) as client:
        assert Kakaclo(client).refund("10001", SEED_ITEMS).json()["data"] == 10002
    with TestClient(create_app(make_settings(db=db))) as client:
        kakaclo = Kakaclo(client)
        assert kakaclo.query("10001").json()["data"]["total"] == 1
        assert kakaclo.refund("10001", {}).json()["data"] == 10003
    with TestClient(create_app(make_settings(db=db, reset=True))) as client:
        kakaclo = Kakaclo(client)
        assert kakaclo.query("10001").json()["data"]["total"] == 0
        assert kakaclo.refund("10001", SEED_ITEMS).json()["data"] == 10002


def test_admin_reset_goes_back_to_the_fixtures(client: TestClient) -> None:
    kakaclo = Kakaclo(client)
    kakaclo.refund("10001", SEED_ITEMS)
    kakaclo.advance(3600)
    assert client.post("/__admin/reset").json()["id"] == "default"
    assert kakaclo.query("10001").json()["data"]["total"] == 0
    assert kakaclo.refund("10001", SEED_ITEMS).json()["data"] == 10002


def test_health_and_clock(client: TestClient) -> None:
    assert client.get("/__admin/health").json()["status"] == "ok"
    before = client.get("/__admin/clock").json()
    assert before["frozen"] is True
    after = client.post("/__admin/clock/advance", json={"seconds": 90}).json()
    assert after["settled"] == 0
    assert client.get("/__admin/clock").json()["now"] == after["now"]
    assert after["now"] > before["now"]


def test_admin_rejects_a_backwards_advance(client: TestClient) -> None:
    response = client.post("/__admin/clock/advance", json={"seconds": -1})
    assert response.status_code == 400
    assert "detail" not in response.json()
