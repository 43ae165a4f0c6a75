"""Whatever happens on a SHOPLINE path: {"errors": ...}, SHOPLINE's status, a traceId."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mockrefund import clock
from mockrefund.app import create_app
from tests.conftest import make_settings
from tests.platforms.shopline.conftest import (
    API,
    AUTH,
    HEADERS,
    SEED_BODY,
    Shopline,
    assert_error,
)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "access token is missing: send Authorization: Bearer <token>"),
        ({"Authorization": "shopline-test-token"}, "the Authorization header must be 'Bearer <token>'"),
        ({"Authorization": "Basic c2hvcGxpbmU="}, "the Authorization header must be 'Bearer <token>'"),
        ({"Authorization": "Bearer nope"}, "access token is invalid"),
        ({"Authorization": "Bearer kakaclo-test-token"}, "access token is invalid"),
        ({"Authorization": "Bearer shopline-expired-token"}, "access token has expired"),
    ],
)  # fmt: skip
def test_tokens(shopline: Shopline, headers: dict[str, str], message: str) -> None:
    assert_error(shopline.orders(headers=headers or {"X-None": "1"}), 401, message)
    body_headers = {**headers, "Content-Type": "application/json; charset=utf-8"}
    assert_error(shopline.refund(SEED_BODY, headers=body_headers), 401, message)


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("open001.localhost:8000", 200),
        ("OPEN001.localhost", 200),
        ("open001.myshopline.com", 200),
        ("127.0.0.1:8000", 200),
        ("localhost:8000", 200),
        ("mockrefund.internal:8000", 200),  # not a store handle: no opinion
        ("open002.localhost:8000", 401),
        ("open009.myshopline.com", 401),
        ("open002.example.test", 401),  # another store's handle under any domain
    ],
)
def test_the_host_must_name_the_tokens_store(shopline: Shopline, host: str, status: int) -> None:
    response = shopline.orders(headers={**AUTH, "Host": host})
    assert response.status_code == status
    if status == 401:
        assert_error(response, 401)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/admin/openapi/v2022/order/refund.json", 404),
        ("GET", "/admin/openapi/latest/orders.json", 404),
        ("GET", "/admin/openapi/v20220901/nothing.json", 404),
        ("GET", "/admin/openapi/v20220901/order/refund.json", 405),
        ("DELETE", "/admin/openapi/v20220901/orders.json", 405),
    ],
)
def test_routing_errors(client: TestClient, method: str, path: str, status: int) -> None:
    response = client.request(method, path, headers=HEADERS, content=b"{}")
    assert "detail" not in response.json()
    assert_error(response, status)


@pytest.mark.parametrize("version", ["v20220901", "v20230901", "v20251201", "v20270301"])
def test_every_version_serves_the_same(shopline: Shopline, version: str) -> None:
    response = shopline.client.get(f"/admin/openapi/{version}/orders.json", headers=AUTH)
    assert response.status_code == 200


def test_every_success_has_its_own_trace_id(shopline: Shopline) -> None:
    traces = {shopline.orders().headers["traceId"] for _ in range(3)}
    assert len(traces) == 3


def test_an_unexpected_crash_is_a_500_in_shoplines_format(
    shopline: Shopline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockrefund.core import refunds

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(refunds, "create", explode)
    assert_error(shopline.refund(SEED_BODY), 500, "the mock failed unexpectedly; see its log")


class FakeWallClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, FakeWallClock]]:
    fake = FakeWallClock()
    monkeypatch.setattr(clock, "epoch_seconds", fake)
    settings = make_settings(shopline_rate_limit=True)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, fake


def test_the_leaky_bucket_holds_40_and_leaks_4_a_second(
    limited: tuple[TestClient, FakeWallClock],
) -> None:
    client, fake = limited
    url = f"{API}/orders.json"
    assert [client.get(url, headers=AUTH).status_code for _ in range(40)] == [200] * 40
    assert_error(client.get(url, headers=AUTH), 429, "Too many request")
    fake.now += 1.0  # four requests leak away
    assert [client.get(url, headers=AUTH).status_code for _ in range(5)] == [200] * 4 + [429]
    # Each store has its own bucket.
    other = {"Authorization": "Bearer shopline-second-token"}
    assert client.get(url, headers=other).status_code == 200
    # A refused write changes nothing.
    response = client.post(f"{API}/order/refund.json", json=SEED_BODY, headers=HEADERS)
    assert_error(response, 429, "Too many request")


def test_flow_control_is_off_by_default(shopline: Shopline) -> None:
    assert {shopline.orders().status_code for _ in range(60)} == {200}
