"""What every Kakaclo endpoint does with a request: the token, the rate limit, paging
parameters and a JSON body, each refused in Kakaclo's envelope."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mockrefund.core.models import Store
from mockrefund.platforms.kakaclo.errors import (
    BAD_BODY,
    BAD_CONTENT_TYPE,
    BAD_PARAMETER,
    BAD_TOKEN,
    NO_TOKEN,
    OK,
    RATE_LIMITED,
    fail,
)
from mockrefund.web.body import is_json_media, media_type, parse_json, read_body
from mockrefund.web.context import Scope, credential_of
from mockrefund.web.ratelimit import admitted
from mockrefund.web.responses import WireJSON
from mockrefund.web.text import is_digits

PLATFORM = "kakaclo"
MAX_PAGE_SIZE = 250
# Java's int, which a Java service such as Kakaclo's takes page numbers as.
MAX_PAGE_NUMBER = 2**31 - 1


def ok(data: Any, message: str = "ok") -> Response:
    return WireJSON({"code": OK, "message": message, "data": data})


def authenticate(request: Request, scope: Scope) -> Store:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if not header:
        raise fail(NO_TOKEN, "missing access token: send Authorization: Bearer <token>")
    if scheme.lower() != "bearer" or not token:
        raise fail(NO_TOKEN, "the Authorization header must be 'Bearer <token>'")
    found = credential_of(scope, PLATFORM, token)
    if found is None:
        raise fail(BAD_TOKEN, "invalid access token")
    credential, store = found
    if credential.expires_at is not None and credential.expires_at <= scope.now:
        raise fail(BAD_TOKEN, "the access token has expired")
    assert store.id is not None
    if not admitted(scope, PLATFORM, store.id):
        raise fail(RATE_LIMITED, "too many requests: the store's leaky bucket (120, 2/s) is full")
    return store


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is `{}`."""
    raw = await read_body(request)
    if not raw.strip():
        return {}
    declared = media_type(request)
    if declared and not is_json_media(declared):
        raise fail(
            BAD_CONTENT_TYPE,
            f"Content-Type {declared!r} is not supported; send application/json",
        )
    data = parse_json(raw)
    if not isinstance(data, dict):
        raise fail(BAD_BODY, "the request body must be a JSON object")
    return data


def paging(request: Request) -> tuple[int, int]:
    """`pageNumber` (default 1) and `pageSize` (default 10, at most 250)."""
    number = _int_param(request, "pageNumber", 1)
    size = _int_param(request, "pageSize", 10)
    if not 1 <= number <= MAX_PAGE_NUMBER:
        raise fail(BAD_PARAMETER, f"pageNumber must be between 1 and {MAX_PAGE_NUMBER}")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise fail(BAD_PARAMETER, f"pageSize must be between 1 and {MAX_PAGE_SIZE}")
    return number, size


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not is_digits(raw):
        raise fail(BAD_PARAMETER, f"{name} must be a whole number, got {raw[:40]!r}")
    if len(raw) > 10:  # past any bound above, and never a huge number to convert
        return MAX_PAGE_NUMBER + 1
    return int(raw)
