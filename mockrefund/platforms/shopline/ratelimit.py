"""SHOPLINE's flow control: a leaky bucket per store, 40 requests deep, leaking 4 a second.

Off unless the `shopline_rate_limit` setting is on. The buckets live in the process (one
set per application), on the monotonic clock, so tests can drive them without sleeping.
"""

import threading
from dataclasses import dataclass

from starlette.requests import Request

from mockrefund import clock
from mockrefund.core.models import Store
from mockrefund.platforms.shopline.errors import TOO_MANY_REQUESTS, fail
from mockrefund.web.context import runtime_of

CAPACITY = 40.0
LEAK_PER_SECOND = 4.0


@dataclass
class _Bucket:
    level: float
    at: float


class LeakyBuckets:
    def __init__(self, capacity: float = CAPACITY, leak: float = LEAK_PER_SECOND) -> None:
        self.capacity = capacity
        self.leak = leak
        self._buckets: dict[tuple[str, int], _Bucket] = {}
        self._lock = threading.Lock()

    def admit(self, key: tuple[str, int]) -> bool:
        """Pour one request into the key's bucket; False when it would overflow."""
        now = clock.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(0.0, now)
            bucket.level = max(0.0, bucket.level - (now - bucket.at) * self.leak)
            bucket.at = now
            if bucket.level + 1 > self.capacity:
                return False
            bucket.level += 1
            return True


def check(request: Request, sandbox_id: str, store: Store) -> None:
    if not runtime_of(request).settings.shopline_rate_limit:
        return
    state = request.app.state
    buckets: LeakyBuckets | None = getattr(state, "shopline_buckets", None)
    if buckets is None:
        buckets = state.shopline_buckets = LeakyBuckets()
    assert store.id is not None
    if not buckets.admit((sandbox_id, store.id)):
        raise fail(429, TOO_MANY_REQUESTS)
