"""The store: seeded once, kept across restarts, seeded again on reset."""

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from mockrefund import runtime as runtime_module
from mockrefund.app import create_app
from mockrefund.config import Settings
from mockrefund.core.models import Sandbox
from mockrefund.fixtures import FixtureError
from mockrefund.runtime import TEMPLATE_PREFIX, Runtime
from tests.conftest import DEFAULT_FIXTURES, make_settings
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


def _start(settings: Settings) -> None:
    runtime = Runtime(settings)
    try:
        runtime.start()
    finally:
        runtime.close()


def test_a_restart_finds_its_template_without_parsing_the_fixtures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(DEFAULT_FIXTURES, fixtures)
    settings = make_settings(db=str(tmp_path / "seeded.db"), fixtures=str(fixtures))
    _start(settings)

    parsed: list[Path] = []
    real_load = runtime_module.load_fixtures
    monkeypatch.setattr(
        runtime_module, "load_fixtures", lambda path: parsed.append(path) or real_load(path)
    )
    _start(settings)
    assert parsed == []  # the files were only read and hashed

    # An edited file is a new set: parsed and seeded once, into a template of its own.
    kakaclo = fixtures / "kakaclo.json"
    kakaclo.write_text(kakaclo.read_text() + "\n")
    _start(settings)
    assert parsed == [fixtures]


def test_fixtures_that_no_longer_parse_stop_the_start_and_leave_no_template(
    tmp_path: Path,
) -> None:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(DEFAULT_FIXTURES, fixtures)
    settings = make_settings(db=str(tmp_path / "seeded.db"), fixtures=str(fixtures))
    _start(settings)
    (fixtures / "kakaclo.json").write_text("{")
    with pytest.raises(FixtureError, match=r"kakaclo\.json"):
        _start(settings)
    (fixtures / "kakaclo.json").write_text((DEFAULT_FIXTURES / "kakaclo.json").read_text())
    runtime = Runtime(settings)
    runtime.start()
    try:
        with runtime.db.read() as session:
            templates = session.execute(
                select(Sandbox.id).where(col(Sandbox.id).like(TEMPLATE_PREFIX + "%"))
            ).all()
        assert len(templates) == 1  # the first one, found again
    finally:
        runtime.close()
