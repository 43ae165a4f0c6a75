"""Who a WooCommerce request says it is, read before it is authenticated."""

import base64
import binascii

from starlette.requests import Request


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """The key and secret of an `Authorization: Basic` header (None: no usable one)."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep or not user or not password:
        return None
    return user, password


def consumer_key_of(request: Request) -> str | None:
    """The key of the first of WooCommerce's ways the request uses: `consumer_key` in the
    query, HTTP Basic, or OAuth 1.0a's `oauth_consumer_key` (None: none of them). Only a
    guess for the request's first read; `auth.authenticate` decides which way counts."""
    query = request.query_params
    if query.get("consumer_key"):
        return query["consumer_key"]
    basic = basic_credentials(request)
    if basic is not None:
        return basic[0]
    return query.get("oauth_consumer_key") or None
