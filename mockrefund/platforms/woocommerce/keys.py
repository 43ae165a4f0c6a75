"""The consumer key a WooCommerce request names, before it is authenticated."""

import base64
import binascii

from starlette.requests import Request


def consumer_key_of(request: Request) -> str | None:
    """The key of the first of WooCommerce's ways the request uses: `consumer_key` in the
    query, HTTP Basic, or OAuth 1.0a's `oauth_consumer_key` (None: none of them). Only a
    guess for the request's first read; `auth.authenticate` decides which way counts."""
    query = request.query_params
    if query.get("consumer_key"):
        return query["consumer_key"]
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic" and encoded.strip():
        try:
            user = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user.partition(":")[0] or None
    return query.get("oauth_consumer_key") or None
