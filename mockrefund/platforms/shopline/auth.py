"""Who is calling: the Bearer token names one store, and a Host header that names a store
handle (`open001.localhost:8000`, `open001.myshopline.com`) must name the same one.

A host under `localhost` or `myshopline.com` always puts a handle first. Under any other
domain the first label counts as a handle only when it is one of the sandbox's SHOPLINE
stores, so a mock served as `mockrefund.internal` keeps working with any token.
"""

import ipaddress

from sqlalchemy import func
from sqlmodel import select
from starlette.requests import Request

from mockrefund.core.models import Store
from mockrefund.platforms.shopline.errors import fail
from mockrefund.web.context import Scope, credential_of

PLATFORM = "shopline"
HANDLE_DOMAINS = ("localhost", "myshopline.com")


def authenticate(request: Request, scope: Scope) -> Store:
    token = bearer_token(request.headers.get("authorization", ""))
    found = credential_of(scope, PLATFORM, token)
    if found is None:
        raise fail(401, "access token is invalid")
    credential, store = found
    if credential.expires_at is not None and credential.expires_at <= scope.now:
        raise fail(401, "access token has expired")
    split = split_host(request.headers.get("host", ""))
    if split is not None:
        handle, domain = split
        names_a_store = domain in HANDLE_DOMAINS or _is_store(scope, handle)
        if names_a_store and handle != store.handle.lower():
            raise fail(401, f"access token does not belong to the store {handle}")
    return store


def bearer_token(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    if not header.strip():
        raise fail(401, "access token is missing: send Authorization: Bearer <token>")
    if scheme.lower() != "bearer" or not token.strip():
        raise fail(401, "the Authorization header must be 'Bearer <token>'")
    return token.strip()


def split_host(host: str) -> tuple[str, str] | None:
    """`open001.localhost:8000` → ("open001", "localhost"); None for IP addresses and
    single names such as `localhost` or `testserver`, which name no store."""
    name = host.strip().lower()
    if not name or name.startswith("["):  # empty, or a bracketed IPv6 address
        return None
    name = name.partition(":")[0]
    try:
        ipaddress.ip_address(name)
        return None
    except ValueError:
        pass
    first, _, rest = name.partition(".")
    if not first or not rest:
        return None
    return first, rest


def _is_store(scope: Scope, handle: str) -> bool:
    """Whether `handle` is a SHOPLINE store of the sandbox (so the Host names a store)."""

    def load() -> bool:
        with scope.runtime.db.read() as session:
            found = session.exec(
                select(Store.id).where(
                    Store.sandbox_id == scope.sandbox_id,
                    Store.platform == PLATFORM,
                    func.lower(Store.handle) == handle.lower(),
                )
            ).first()
        return found is not None

    return scope.runtime.db.cache.get(("shopline-store", scope.sandbox_id, handle.lower()), load)
