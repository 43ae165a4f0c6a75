"""Ids of 10,000 characters in the path, query strings of 10,000 characters, and header
injection through the path and the query, on every endpoint."""

from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from mockrefund.platforms.kakaclo import routes as kakaclo_routes
from mockrefund.platforms.shopline import routes as shopline_routes
from mockrefund.platforms.woocommerce import routes as woo_routes
from tests.abuse.conftest import reset
from tests.abuse.platforms import (
    ENDPOINTS,
    ERROR_FORMATS,
    Endpoint,
    assert_clean,
    assert_refused,
    assert_success,
    endpoint_params,
    state,
)

LONG = 10_000
INJECTION = "%0d%0aSet-Cookie:%20a=b%0d%0a%0d%0a"
BAD_IDS = [
    pytest.param("9" * LONG, id="10,000 digits"),
    pytest.param("x" * LONG, id="10,000 letters"),
    pytest.param("%E2%80%AE" * 1000, id="1,000 right-to-left marks"),
    pytest.param(f"1{INJECTION}", id="CRLF and a header"),
    pytest.param("1%0A", id="a trailing newline"),
    pytest.param("-1", id="negative"),
    pytest.param("1e309", id="1e309"),
    pytest.param("%00", id="NUL"),
]
CANONICAL = [
    e for e in ENDPOINTS if not e.template.startswith(("/openapi/openapi/", "/openapi/v1/"))
]
GETS = [e for e in CANONICAL if e.method == "GET"]
# The query parameters each platform reads.
PARAMETERS = {
    "kakaclo": ["pageNumber", "pageSize", "ids", "refundNo", "createStartTime", "updateEndTime"],
    "shopline": ["limit", "ids", "since_id", "status", "financial_status", "fulfillment_status", "page_info"],
    "woocommerce": ["fields", "api_refund", "_method", "consumer_key", "oauth_signature"],
}  # fmt: skip
ODD_VALUES = [
    "9" * LONG, "x" * LONG, "1e309", "18446744073709551616", "-0", "1e-400",
    f"x{INJECTION}", "%FF%FE", "%00",
]  # fmt: skip


def test_the_table_holds_every_route() -> None:
    """Built from the routers, so a new route joins the abuse tests by itself."""
    routed = {
        (method, route.path)
        for router in (kakaclo_routes.router, shopline_routes.router)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    assert routed <= {(e.method, e.template) for e in ENDPOINTS}
    woo = {(e.method, e.template) for e in ENDPOINTS if e.platform == "woocommerce"}
    for _pattern, handlers in woo_routes.ROUTES:
        assert set(handlers) - {"HEAD"} <= {method for method, _ in woo}
    assert len(woo) == 1 + 2 + 5 + 1  # the index, list+create, view/edit/delete, the order


PATH_IDS = [
    pytest.param(endpoint, name, id=f"{endpoint.name} {name}")
    for endpoint in ENDPOINTS
    for name in ("order_id", "refund_id", "version")
    if f"{{{name}}}" in endpoint.template
]


@pytest.mark.parametrize(("endpoint", "name"), PATH_IDS)
@pytest.mark.parametrize("bad", BAD_IDS)
def test_an_id_nobody_has_in_the_path(
    shared: TestClient, endpoint: Endpoint, name: str, bad: str
) -> None:
    before = state(shared, endpoint.platform) if endpoint.writes else None
    response = endpoint.request(shared, **{name: bad})
    assert_refused(endpoint, response)
    if endpoint.writes:
        assert state(shared, endpoint.platform) == before


@pytest.mark.parametrize("endpoint", endpoint_params(CANONICAL))
def test_a_query_string_of_10000_characters_is_ignored(
    shared: TestClient, endpoint: Endpoint
) -> None:
    client = reset(shared)  # a write is accepted as it would be without the query
    query = f"pad={'x' * LONG}&{'&'.join(f'p{n}=1' for n in range(100))}"
    response = endpoint.request(client, query=query)
    if endpoint.template.endswith("/refunds/{refund_id}.json"):
        assert_refused(endpoint, response, 404)  # no SHOPLINE refund yet, as without the query
    else:
        assert_success(endpoint, response)


@pytest.mark.parametrize("endpoint", endpoint_params(GETS))
@pytest.mark.parametrize("value", [pytest.param(v, id=v[:20]) for v in ODD_VALUES])
def test_odd_values_of_the_query_parameters(
    shared: TestClient, endpoint: Endpoint, value: str
) -> None:
    for name in PARAMETERS[endpoint.platform]:
        response = endpoint.request(shared, query=f"{name}={value}")
        _assert_answer(endpoint, response)


def _assert_answer(endpoint: Endpoint, response: Any) -> None:
    assert_clean(response)
    if response.status_code >= 400:
        ERROR_FORMATS[endpoint.platform](response)
    else:
        assert_success(endpoint, response)


def test_a_newline_in_shoplines_version_never_reaches_the_link_header(shared: TestClient) -> None:
    # `$` matched before a final newline, and the Link header is made from the path.
    response = shared.get(
        "/admin/openapi/v20220901%0A/orders.json",
        params={"limit": 1},
        headers={"Authorization": "Bearer shopline-test-token"},
    )
    assert response.status_code == 404
    assert "link" not in response.headers
