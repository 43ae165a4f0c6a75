"""Whatever goes wrong on a Kakaclo path, the answer is in Kakaclo's envelope."""

import pytest
from fastapi.testclient import TestClient

from tests.platforms.kakaclo.conftest import AUTH


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/openapi/v2/order/nothing", 404, 40004),
        ("GET", "/openapi/v3/order/orders", 404, 40004),
        ("GET", "/openapi/v2/order/orders/10001/refund", 405, 40005),
        ("DELETE", "/openapi/v2/order/orders", 405, 40005),
        ("PUT", "/openapi/openapi/v2/order/orders/refund/10001", 405, 40005),
    ],
)
def test_routing_errors(client: TestClient, method: str, path: str, status: int, code: int) -> None:
    response = client.request(method, path, headers=AUTH)
    assert response.status_code == status
    body = response.json()
    assert "detail" not in body
    assert body["code"] == code
    assert body["data"] is None


def test_an_unexpected_crash_is_a_500_in_the_envelope(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockrefund.core import refunds

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(refunds, "create", explode)
    response = client.post("/openapi/v2/order/orders/10001/refund", json={}, headers=AUTH)
    assert response.status_code == 500
    assert response.json() == {
        "code": 99999,
        "message": "the mock failed unexpectedly; see its log",
        "data": None,
    }
