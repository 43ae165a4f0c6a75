"""Every documented error, with its exact code, message and status, and nothing changed."""

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.platforms.woocommerce.conftest import (
    Woo,
    basic,
    error_of,
    oauth_sha1_url,
    oauth_url,
)

AUTH_ERROR = "woocommerce_api_authentication_error"
REFUND_ID = "woocommerce_api_invalid_order_refund_id"
NO_ROUTE = ("woocommerce_api_no_route", "No route was found matching the URL and request method")


@pytest.fixture
def with_649(woo: Woo) -> Woo:
    assert woo.create(645, {"amount": 10}).status_code == 201
    return woo


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("POST", "/orders/645/refunds", {"amount": 1}, (400, "woocommerce_api_missing_order_refund_data", "No order_refund data specified to create order_refund")),
        ("POST", "/orders/645/refunds", "not json", (400, "woocommerce_api_missing_order_refund_data", "No order_refund data specified to create order_refund")),
        ("POST", "/orders/645/refunds", {"order_refund": {}}, (400, "woocommerce_api_invalid_order_refund", "Refund amount is required.")),
        ("POST", "/orders/645/refunds", {"order_refund": {"amount": -1}}, (400, "woocommerce_api_invalid_order_refund", "Refund amount must be positive.")),
        ("POST", "/orders/645/refunds", {"order_refund": {"amount": "ten"}}, (400, "woocommerce_api_invalid_order_refund", "Refund amount must be a number.")),
        ("POST", "/orders/645/refunds", {"order_refund": {"amount": "44.00"}}, (400, "woocommerce_api_cannot_create_order_refund", "Invalid refund amount.")),
        ("POST", "/orders/999/refunds", {"order_refund": {"amount": 1}}, (404, "woocommerce_api_no_order_found", "No order found with the ID equal to 999")),
        ("POST", "/orders/0/refunds", {"order_refund": {"amount": 1}}, (400, "woocommerce_api_invalid_order_id", "Order ID is invalid")),
        ("GET", "/orders/0/refunds", None, (404, "woocommerce_api_invalid_order_id", "Invalid shop_order ID")),
        ("GET", "/orders/999/refunds/649", None, (404, "woocommerce_api_no_order_found", "No order found with the ID equal to 999")),
        ("GET", "/orders/645/refunds/0", None, (400, REFUND_ID, "Invalid order refund ID.")),
        ("GET", "/orders/645/refunds/4242", None, (404, REFUND_ID, "An order refund with the provided ID could not be found.")),
        ("GET", "/orders/700/refunds/649", None, (400, REFUND_ID, "The order refund ID provided is not associated with the order.")),
        ("PUT", "/orders/700/refunds/649", {"order_refund": {"reason": "x"}}, (400, REFUND_ID, "The order refund ID provided is not associated with the order.")),
        ("DELETE", "/orders/700/refunds/649", None, (400, REFUND_ID, "The order refund ID provided is not associated with the order.")),
        ("PUT", "/orders/645/refunds/649", {"reason": "x"}, (400, "woocommerce_api_missing_order_refund_data", "No order_refund data specified to edit order_refund")),
        ("GET", "/orders/645/refunds/", None, (404, *NO_ROUTE)),
        ("GET", "/orders/645/refund", None, (404, *NO_ROUTE)),
        ("DELETE", "/orders/645/refunds", None, (404, *NO_ROUTE)),
        ("GET", "/orders/abc/refunds", None, (404, *NO_ROUTE)),
        ("GET", "/products", None, (404, *NO_ROUTE)),
    ],
)  # fmt: skip
def test_documented_errors(
    with_649: Woo, method: str, path: str, body: Any, expected: tuple[int, str, str]
) -> None:
    before = with_649.refunds(645), with_649.refunds(700)
    kwargs: dict[str, Any] = {"headers": basic()}
    if isinstance(body, str):
        kwargs["content"] = body
    elif body is not None:
        kwargs["json"] = body
    response = with_649.client.request(method, f"/wc-api/v3{path}", **kwargs)
    assert error_of(response) == expected
    assert (with_649.refunds(645), with_649.refunds(700)) == before


def test_an_unknown_version_is_no_route_in_woocommerce_format(client: TestClient) -> None:
    assert error_of(client.get("/wc-api/v2/orders/645/refunds")) == (404, *NO_ROUTE)


@pytest.mark.parametrize(
    ("headers", "params", "message", "status"),
    [
        (basic("ck_nope"), {}, "Consumer key is invalid.", 401),
        (basic(secret="cs_wrong"), {}, "Consumer secret is invalid.", 401),
        ({}, {"consumer_key": "ck_mockrefund_test", "consumer_secret": "x"}, "Consumer secret is invalid.", 401),
        ({}, {"consumer_key": "ck_nope", "consumer_secret": "x"}, "Consumer key is invalid.", 401),
        ({}, {}, "oauth_consumer_key parameter is missing", 404),
        ({}, {"oauth_consumer_key": "ck_mockrefund_test"}, "oauth_timestamp parameter is missing", 404),
    ],
)  # fmt: skip
def test_key_and_secret_errors(
    client: TestClient, headers: dict[str, str], params: dict[str, str], message: str, status: int
) -> None:
    response = client.get("/wc-api/v3/orders/645/refunds", headers=headers, params=params)
    assert error_of(response) == (status, AUTH_ERROR, message)


def test_basic_auth_failures_ask_for_basic_credentials(client: TestClient) -> None:
    response = client.get("/wc-api/v3/orders/645/refunds", headers=basic(secret="cs_wrong"))
    assert response.headers["www-authenticate"].startswith('Basic realm="WooCommerce API.')


def test_query_string_keys_work(client: TestClient) -> None:
    params = {"consumer_key": "ck_mockrefund_test", "consumer_secret": "cs_mockrefund_test"}
    response = client.get("/wc-api/v3/orders/645/refunds", params=params)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("key", "method", "needed"),
    [("ck_mockrefund_read", "POST", "write"), ("ck_mockrefund_write", "GET", "read")],
)
def test_key_permissions(woo: Woo, key: str, method: str, needed: str) -> None:
    secret = key.replace("ck_", "cs_")
    response = woo.call(
        method, "/orders/645/refunds", {"order_refund": {"amount": 1}}, headers=basic(key, secret)
    )
    assert error_of(response) == (
        401,
        AUTH_ERROR,
        f"The API key provided does not have {needed} permissions.",
    )
    assert len(woo.refunds()) == 1


def test_oauth_sha256_as_the_official_client_signs(client: TestClient) -> None:
    url = oauth_url("POST", "/wc-api/v3/orders/645/refunds")
    response = client.post(url, json={"order_refund": {"amount": 3}})
    assert response.status_code == 201
    # Repeated query parameters: the last value wins, as PHP reads them.
    url = oauth_url("GET", "/wc-api/v3/orders/645/refunds", fields="id")
    assert client.get(url + "&fields=id").json()["order_refunds"][0] == {"id": 649}


def test_oauth_sha1(client: TestClient) -> None:
    assert client.get(oauth_sha1_url("GET", "/wc-api/v3/orders/645/refunds")).status_code == 200


def test_oauth_signature_mismatch_method_timestamp_and_nonce(client: TestClient) -> None:
    path = "/wc-api/v3/orders/645/refunds"
    wrong = client.get(oauth_sha1_url("GET", path, secret="cs_other"))
    assert error_of(wrong) == (
        401,
        AUTH_ERROR,
        "Invalid signature - provided signature does not match.",
    )
    # Signed for GET, sent as DELETE: the method is part of what is signed.
    assert error_of(client.delete(oauth_url("GET", path)))[2] == (
        "Invalid signature - provided signature does not match."
    )
    bad_method = oauth_sha1_url("GET", path).replace("HMAC-SHA1", "PLAINTEXT")
    assert error_of(client.get(bad_method))[2] == "Invalid signature - signature method is invalid."
    stale = oauth_sha1_url("GET", path, oauth_timestamp=str(int(time.time()) - 16 * 60))
    assert error_of(client.get(stale)) == (401, AUTH_ERROR, "Invalid timestamp.")
    once = oauth_sha1_url("GET", path)
    assert client.get(once).status_code == 200
    assert error_of(client.get(once)) == (
        401,
        AUTH_ERROR,
        "Invalid nonce - nonce has already been used.",
    )


def test_authentication_comes_before_routing(client: TestClient) -> None:
    assert error_of(client.get("/wc-api/v3/nowhere"))[0] == 404
    assert error_of(client.get("/wc-api/v3/nowhere", headers=basic("ck_nope")))[2] == (
        "Consumer key is invalid."
    )


def test_the_index_needs_no_key(client: TestClient) -> None:
    body = client.get("/wc-api/v3").json()
    assert "/orders/<order_id>/refunds" in body["store"]["routes"]


def test_never_fastapi_detail(client: TestClient) -> None:
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        response = client.request(method, "/wc-api/v3/orders/645/refunds/x", headers=basic())
        assert "detail" not in response.json()
