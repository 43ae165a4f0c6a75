"""SHOPLINE's flow control: a leaky bucket per store, 40 requests deep, leaking 4 a second.

Off unless the `shopline_rate_limit` setting or the sandbox's switch
(`PUT /__admin/.../rate-limits`) is on.
"""

from starlette.requests import Request

from mockrefund.core.models import Store
from mockrefund.platforms.shopline.errors import TOO_MANY_REQUESTS, fail
from mockrefund.web.ratelimit import admitted


def check(request: Request, sandbox_id: str, store: Store) -> None:
    assert store.id is not None
    if not admitted(request, "shopline", sandbox_id, store.id):
        raise fail(429, TOO_MANY_REQUESTS)
