"""One app per test module: a test of a request that must be refused compares the state
before and after its own request, and one whose request is accepted starts from a reset
sandbox (`reset`), so a shared app keeps a thousand cases fast."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from mockrefund.app import create_app
from tests.conftest import make_settings


@contextmanager
def fresh_client() -> Iterator[TestClient]:
    with TestClient(create_app(make_settings()), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def shared() -> Iterator[TestClient]:
    with fresh_client() as client:
        yield client


def reset(client: TestClient) -> TestClient:
    """The default sandbox as the fixtures make it: orders, refunds, ids and clock."""
    assert client.post("/__admin/reset").status_code == 200
    return client
