"""Shared test set-up: a fresh in-memory world per test, its clock frozen."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mockrefund.app import create_app
from mockrefund.config import Settings
from mockrefund.runtime import Runtime

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FIXTURES = REPO / "fixtures" / "default"


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "db": ":memory:",
        "fixtures": DEFAULT_FIXTURES,
        "clock_frozen": True,
        "settle_interval": 3600.0,  # tests settle through reads and the clock, not the sweep
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    runtime = Runtime(settings)
    runtime.start()
    yield runtime
    runtime.close()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client
