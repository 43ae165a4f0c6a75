"""The platforms' rate limits on a request: on by setting (every sandbox) or by the
sandbox's own switch; the buckets themselves are shared rows (`controls.ratelimits`)."""

from mockrefund.controls import ratelimits
from mockrefund.web.context import Scope


def admitted(scope: Scope, platform: str, store_id: int) -> bool:
    """False when the store's bucket is full and the limit is on."""
    on_everywhere = bool(getattr(scope.runtime.settings, f"{platform}_rate_limit", False))
    if not (on_everywhere or ratelimits.switched_on(scope.sandbox, platform)):
        return True
    return ratelimits.admit(scope.runtime.db, scope.sandbox_id, platform, store_id)
