"""SHOPLINE's flow control: a leaky bucket per store, 40 requests deep, leaking 4 a second.

Off unless the `shopline_rate_limit` setting or the sandbox's switch
(`PUT /__admin/.../rate-limits`) is on.
"""

from mockrefund.core.models import Store
from mockrefund.platforms.shopline.errors import TOO_MANY_REQUESTS, fail
from mockrefund.web.context import Scope
from mockrefund.web.ratelimit import admitted


def check(scope: Scope, store: Store) -> None:
    assert store.id is not None
    if not admitted(scope, "shopline", store.id):
        raise fail(429, TOO_MANY_REQUESTS)
