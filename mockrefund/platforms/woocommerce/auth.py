"""WooCommerce's three ways to authenticate a consumer key.

- `consumer_key` and `consumer_secret` as query parameters;
- HTTP Basic, the key as user name and the secret as password;
- OAuth 1.0a, one-legged, its parameters in the query string (what WooCommerce demands
  over plain HTTP, and what the official clients send there).

WooCommerce takes the first two only over HTTPS and the third only over HTTP. The mock
usually runs on plain HTTP on loopback, so by default it takes all three anywhere;
`woocommerce_enforce_scheme` restores the split (trusting `X-Forwarded-Proto`).
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.requests import Request

from mockrefund.clock import wall_now
from mockrefund.controls import nonces
from mockrefund.core.models import Credential, Store
from mockrefund.platforms.woocommerce.errors import fail
from mockrefund.platforms.woocommerce.keys import basic_credentials
from mockrefund.platforms.woocommerce.query import base_name
from mockrefund.web.context import Scope, credential_of, original_path
from mockrefund.web.text import is_digits

PLATFORM = "woocommerce"
AUTH_ERROR = "woocommerce_api_authentication_error"
OAUTH_PARAMS = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)
SIGNATURE_METHODS = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}
WINDOW_SECONDS = 15 * 60
BASIC_REALM = (
    'Basic realm="WooCommerce API. Use a consumer key in the username field and a consumer '
    'secret in the password field."'
)


@dataclass(frozen=True)
class Caller:
    credential: Credential
    store: Store


def authenticate(request: Request, scope: Scope, params: Mapping[str, str], method: str) -> Caller:
    https = _is_https(request)
    enforce = scope.runtime.settings.woocommerce_enforce_scheme
    basic = basic_credentials(request)
    if params.get("consumer_key") and params.get("consumer_secret") and (https or not enforce):
        return _by_secret(scope, params["consumer_key"], params["consumer_secret"], basic=False)
    if basic is not None and (https or not enforce):
        return _by_secret(scope, basic[0], basic[1], basic=True)
    if https and enforce:
        raise fail(404, AUTH_ERROR, "Consumer key is missing.")
    return _by_oauth(request, scope, params, method)


def check_permission(caller: Caller, method: str) -> None:
    reading = method in ("GET", "HEAD")
    needed = "read" if reading else "write"
    if needed not in caller.credential.permissions.split("_"):
        raise fail(401, AUTH_ERROR, f"The API key provided does not have {needed} permissions.")


def _is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return (forwarded or request.url.scheme) == "https"


def _lookup(scope: Scope, key: str) -> Caller | None:
    found = credential_of(scope, PLATFORM, key)
    if found is None:
        return None
    credential, store = found
    if credential.expires_at is not None and credential.expires_at <= scope.now:
        return None
    return Caller(credential, store)


def _by_secret(scope: Scope, key: str, secret: str, basic: bool) -> Caller:
    headers = {"WWW-Authenticate": BASIC_REALM} if basic else None
    caller = _lookup(scope, key)
    if caller is None:
        raise fail(401, AUTH_ERROR, "Consumer key is invalid.", headers)
    if not hmac.compare_digest((caller.credential.secret or "").encode(), secret.encode()):
        raise fail(401, AUTH_ERROR, "Consumer secret is invalid.", headers)
    return caller


def _by_oauth(request: Request, scope: Scope, params: Mapping[str, str], method: str) -> Caller:
    for name in OAUTH_PARAMS:
        if not params.get(name):
            raise fail(404, AUTH_ERROR, f"{name} parameter is missing")
    caller = _lookup(scope, params["oauth_consumer_key"])
    if caller is None:
        raise fail(401, AUTH_ERROR, "Consumer key is invalid.")
    algorithm = SIGNATURE_METHODS.get(params["oauth_signature_method"])
    if algorithm is None:
        raise fail(401, AUTH_ERROR, "Invalid signature - signature method is invalid.")
    secret = caller.credential.secret or ""
    expected = signature(method, _base_url(request), params, secret, algorithm)
    given = params["oauth_signature"].replace(" ", "+")
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise fail(401, AUTH_ERROR, "Invalid signature - provided signature does not match.")
    _check_timestamp_and_nonce(scope, caller, params)
    return caller


def _check_timestamp_and_nonce(scope: Scope, caller: Caller, params: Mapping[str, str]) -> None:
    # Clients sign with the real time, so this is checked against the wall clock,
    # never against the sandbox's mock clock.
    now = int(wall_now().timestamp())
    raw = params["oauth_timestamp"]
    timestamp = int(raw) if is_digits(raw) and len(raw) < 15 else -1
    if not now - WINDOW_SECONDS <= timestamp <= now + WINDOW_SECONDS:
        raise fail(401, AUTH_ERROR, "Invalid timestamp.")
    nonce = params["oauth_nonce"]
    if not nonces.use(
        scope.runtime.db,
        scope.sandbox_id,
        caller.credential.key,
        nonce,
        timestamp,
        WINDOW_SECONDS,
        now,
    ):
        raise fail(401, AUTH_ERROR, "Invalid nonce - nonce has already been used.")


def _base_url(request: Request) -> str:
    """The URL the client signed: scheme, host as it sent it, and path, without query."""
    scheme = "https" if _is_https(request) else "http"
    host = request.headers.get("host", request.url.netloc)
    return f"{scheme}://{host}{original_path(request)}"


def _encode(text: str) -> str:
    """PHP's rawurlencode (RFC 3986), then `%` encoded again, as WooCommerce does."""
    return quote(text, safe="-_.~").replace("%", "%25")


def signature(
    method: str,
    url: str,
    params: Mapping[str, str],
    secret: str,
    algorithm: Any = hashlib.sha256,
) -> str:
    """The OAuth 1.0a signature WooCommerce computes for a request."""
    order = list(params)
    names = sorted(
        (name for name in params if name != "oauth_signature"),
        key=lambda name: (_encode(base_name(name)), order.index(name)),
    )
    query = "%26".join(f"{_encode(name)}%3D{_encode(params[name])}" for name in names)
    base = f"{method.upper()}&{quote(url, safe='-_.~')}&{query}"
    digest = hmac.new(f"{secret}&".encode(), base.encode(), algorithm).digest()
    return base64.b64encode(digest).decode()
