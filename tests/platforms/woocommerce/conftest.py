import base64
import hashlib
import hmac
import time
import uuid
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient
from woocommerce.oauth import OAuth

KEY, SECRET = "ck_mockrefund_test", "cs_mockrefund_test"
BASE = "http://testserver"


def basic(key: str = KEY, secret: str = SECRET) -> dict[str, str]:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def oauth_url(method: str, path: str, key: str = KEY, secret: str = SECRET, **params: Any) -> str:
    """A URL signed by the official client's own OAuth code (HMAC-SHA256)."""
    url = f"{BASE}{path}" + (f"?{urlencode(params)}" if params else "")
    signed = OAuth(url, key, secret, version="v3", method=method).get_oauth_url()
    return signed[len(BASE) :]


def _rfc3986(text: str) -> str:
    return quote(text, safe="-_.~")


def oauth_sha1_url(method: str, path: str, secret: str = SECRET, **extra: str) -> str:
    """A URL signed with HMAC-SHA1, written from the scheme WooCommerce documents."""
    params = {
        "oauth_consumer_key": KEY,
        "oauth_nonce": uuid.uuid4().hex,
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(int(time.time())),
        **extra,
    }
    pairs = "%26".join(
        f"{_rfc3986(k).replace('%', '%25')}%3D{_rfc3986(v).replace('%', '%25')}"
        for k, v in sorted(params.items())
    )
    base = f"{method}&{_rfc3986(BASE + path)}&{pairs}"
    digest = hmac.new(f"{secret}&".encode(), base.encode(), hashlib.sha1).digest()
    params["oauth_signature"] = base64.b64encode(digest).decode()
    return f"{path}?{urlencode(params)}"


class Woo:
    def __init__(self, client: TestClient) -> None:
        self.client = client

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", basic())
        if body is not None:
            kwargs["json"] = body
        return self.client.request(method, f"/wc-api/v3{path}", **kwargs)

    def refunds(self, order_id: int = 645) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.call("GET", f"/orders/{order_id}/refunds").json()[
            "order_refunds"
        ]
        return result

    def create(self, order_id: int, refund: dict[str, Any], **kwargs: Any) -> Any:
        return self.call("POST", f"/orders/{order_id}/refunds", {"order_refund": refund}, **kwargs)


@pytest.fixture
def woo(client: TestClient) -> Woo:
    return Woo(client)


def error_of(response: Any) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"errors"}
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    (error,) = body["errors"]
    return response.status_code, error["code"], error["message"]
