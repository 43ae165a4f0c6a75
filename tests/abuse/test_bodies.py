"""Bodies that cannot be read, sent to every endpoint that reads one: refused in the
platform's own format (413 when too large), never a 500, and nothing changed."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.abuse.conftest import reset
from tests.abuse.platforms import (
    BODY_ENDPOINTS,
    Endpoint,
    assert_refused,
    assert_success,
    endpoint_params,
    state,
)

MIB = 1024 * 1024
DEEP = 10_000

BAD_BODIES = [
    pytest.param(b"x" * (MIB + 1), None, 413, id="junk over 1 MiB"),
    pytest.param(b'{"note": "' + b"x" * MIB + b'"}', None, 413, id="valid JSON over 1 MiB"),
    pytest.param(b'{"order_refund": {"amount": 1', None, None, id="truncated JSON"),
    pytest.param(b'{"a": [}', None, None, id="invalid JSON"),
    pytest.param(b'{"a": 1,}', None, None, id="trailing comma"),
    pytest.param(b"{'a': 1}", None, None, id="single quotes"),
    pytest.param(b'{"a": NaN}', None, None, id="NaN"),
    pytest.param(b'{"a": Infinity}', None, None, id="Infinity"),
    pytest.param(b'{"note": "\xff\xfe\xfd"}', None, None, id="invalid UTF-8"),
    pytest.param(b'{"note": "\xc0\xaf"}', None, None, id="overlong UTF-8"),
    pytest.param(b'{"note": "\\ud800"}', None, None, id="lone surrogate escape"),
    pytest.param(b"\xef\xbb\xbf{}", None, None, id="byte order mark"),
    pytest.param(b"[" * DEEP + b"]" * DEEP, None, None, id="arrays 10,000 deep"),
    pytest.param(b'{"a":' * DEEP + b"1" + b"}" * DEEP, None, None, id="objects 10,000 deep"),
    pytest.param(b'{"order_refund": ' + b"[" * DEEP + b"]" * DEEP + b"}", None, None, id="deep inside a field"),
    pytest.param(b"[]", None, None, id="an array"),
    pytest.param(b'"refund"', None, None, id="a string"),
    pytest.param(b"1e309", None, None, id="a huge number"),
    pytest.param(b"null", None, None, id="null"),
    pytest.param(b"order_refund[amount]=1&orderItems=1", "application/x-www-form-urlencoded", None, id="a form"),
    pytest.param(b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--", "multipart/form-data; boundary=x", None, id="multipart"),
    pytest.param(b"<refund><amount>1</amount></refund>", "application/xml", None, id="XML"),
    pytest.param(b"amount: 1", "text/plain", None, id="plain text"),
]  # fmt: skip


@pytest.mark.parametrize("endpoint", endpoint_params(BODY_ENDPOINTS))
@pytest.mark.parametrize(("raw", "content_type", "status"), BAD_BODIES)
def test_an_unreadable_body_is_refused_and_changes_nothing(
    shared: TestClient, endpoint: Endpoint, raw: bytes, content_type: str | None, status: int | None
) -> None:
    before = state(shared, endpoint.platform)
    headers = {"Content-Type": content_type} if content_type else None
    assert_refused(endpoint, endpoint.request(shared, content=raw, headers=headers), status)
    assert state(shared, endpoint.platform) == before


@pytest.mark.parametrize("endpoint", endpoint_params(BODY_ENDPOINTS))
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_json_under_another_content_type(
    shared: TestClient, endpoint: Endpoint, content_type: str
) -> None:
    """Kakaclo and SHOPLINE refuse it; WooCommerce reads the body as JSON whatever it is
    called, as its legacy API does."""
    if endpoint.platform == "woocommerce":
        client = reset(shared)
        assert_success(endpoint, endpoint.request(client, headers={"Content-Type": content_type}))
        return
    before = state(shared, endpoint.platform)
    response = endpoint.request(shared, headers={"Content-Type": content_type})
    assert_refused(endpoint, response, 415 if endpoint.platform == "kakaclo" else 400)
    assert state(shared, endpoint.platform) == before


def test_the_body_endpoints_are_every_write_but_delete() -> None:
    names: set[Any] = {(e.platform, e.method) for e in BODY_ENDPOINTS}
    assert names == {
        ("kakaclo", "POST"), ("shopline", "POST"), ("woocommerce", "POST"),
        ("woocommerce", "PUT"), ("woocommerce", "PATCH"),
    }  # fmt: skip
    assert len(BODY_ENDPOINTS) == 2 * 4 + 2 + 4  # Kakaclo's two writes, at four prefixes
