"""Leaky buckets, as Kakaclo (120 deep, leaking 2/s) and SHOPLINE (40 deep, 4/s) meter
their APIs per store. Kept per server process, on the monotonic clock."""

import threading
from dataclasses import dataclass

from starlette.requests import Request

from mockrefund import clock
from mockrefund.web.context import runtime_of


@dataclass
class _Bucket:
    level: float
    at: float


class LeakyBuckets:
    def __init__(self, capacity: float, leak_per_second: float) -> None:
        self.capacity = capacity
        self.leak = leak_per_second
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


# The platforms' published limits: (bucket size, requests leaked per second).
LIMITS = {"kakaclo": (120.0, 2.0), "shopline": (40.0, 4.0)}


def admitted(request: Request, platform: str, sandbox_id: str, store_id: int) -> bool:
    """False when the store's bucket is full and the limit is on (by setting or sandbox)."""
    runtime = runtime_of(request)
    on_everywhere = bool(getattr(runtime.settings, f"{platform}_rate_limit", False))
    if not (on_everywhere or runtime.controls.of(sandbox_id).rate_limits.get(platform)):
        return True
    buckets: dict[str, LeakyBuckets] = request.app.state.__dict__.setdefault("rate_buckets", {})
    if platform not in buckets:
        buckets[platform] = LeakyBuckets(*LIMITS[platform])
    return buckets[platform].admit((sandbox_id, store_id))
