"""A wrong path answers the platform's own 404 and names the routes it was likely meant for."""

import pytest
from fastapi.testclient import TestClient

from tests.platforms.kakaclo.conftest import AUTH
from tests.platforms.woocommerce.conftest import basic

HEADER = "x-mockrefund-nearest-routes"


@pytest.mark.parametrize(
    ("method", "path", "headers", "first_hint", "shape"),
    [
        ("POST", "/openapi/v2/order/orders/10001/refunds", AUTH,
         "POST /openapi/v2/order/orders/{order_id}/refund", {"code", "message", "data"}),
        ("GET", "/wc-api/v3/orders/645/refund", basic(),
         "GET /wc-api/v3/orders/{order_id}/refunds", {"errors"}),
        ("POST", "/admin/openapi/v20220901/orders/refund.json", {"Authorization": "Bearer shopline-test-token"},
         "POST /admin/openapi/{version}/order/refund.json", {"errors"}),
    ],
)  # fmt: skip
def test_a_wrong_path_names_the_nearest_routes(
    client: TestClient,
    method: str,
    path: str,
    headers: dict[str, str],
    first_hint: str,
    shape: set[str],
) -> None:
    response = client.request(method, path, headers=headers)
    assert response.status_code == 404
    assert set(response.json()) == shape
    hints = response.headers[HEADER].split(", ")
    assert hints[0] == first_hint
    (entry,) = client.get("/__admin/requests").json()["requests"]
    assert entry["nearest_routes"] == hints


def test_no_hint_when_nothing_is_close(client: TestClient) -> None:
    response = client.get("/openapi/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", headers=AUTH)
    assert response.status_code == 404
    assert HEADER not in response.headers
