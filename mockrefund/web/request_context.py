"""One read for what every request to an emulated API needs before its platform's work:
the sandbox (and when its next refund falls due, and whether an outcome is forced), its
fault rules in force, and the credential the caller names with its store.

Read one by one, these were three transactions and four statements on every request the
read cache could not answer (every request on PostgreSQL, and on SQLite every request
after a write); read together they are one statement. The traffic middleware makes the
read, keeps it in the request's state for the platform's code (`web.context`), and
offers it to the read cache under the keys the separate reads use, so that either path
finds it.

The values are those of one moment at the start of the request, as the separate reads
were of three moments close together; a request that waits on purpose (a fault's
latency) reads them again after its wait.
"""

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, select
from starlette.requests import Request

from mockrefund.controls import faults
from mockrefund.controls.faults import Fault
from mockrefund.controls.tables import FaultRuleRow
from mockrefund.core import credentials, sandboxes
from mockrefund.core.models import (
    Credential,
    ForcedOutcome,
    Refund,
    RefundStatus,
    Sandbox,
    Store,
)
from mockrefund.core.values import table_of
from mockrefund.db import Database

STATE_KEY = "mockrefund.request_context"


@dataclass(frozen=True, slots=True)
class RequestContext:
    sandbox: Sandbox
    next_due: datetime | None
    faults: list[Fault]
    # Whether any forced outcome waits (none: a refund need not look for one).
    forced_queued: bool
    # The credential named by `key` on `platform`, with its store (None: no such one).
    platform: str
    key: str | None
    credential: tuple[Credential, Store] | None

    def credential_for(self, platform: str, key: str) -> tuple[Credential, Store] | None:
        """The credential if this read looked it up; `LookupError` if it did not."""
        if platform != self.platform or key != self.key:
            raise LookupError(key)
        return self.credential


def bearer_of(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (None: no such header)."""
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def read(db: Database, sandbox_id: str, platform: str, key: str | None) -> RequestContext:
    """The request's context in one statement; `SandboxNotFound` if there is no such
    (reachable) sandbox."""
    if not sandboxes.reachable(sandbox_id):
        raise sandboxes.SandboxNotFound(sandbox_id)
    version = db.cache.version()
    with db.read() as session:
        rows = (
            session.connection()
            .execute(_CONTEXT, {"sandbox_id": sandbox_id, "platform": platform, "key": key})
            .all()
        )
    if not rows:
        raise sandboxes.SandboxNotFound(sandbox_id)
    first = rows[0]
    sandbox = Sandbox.model_construct(**dict(zip(_SANDBOX.c.keys(), first[_S], strict=True)))
    next_due: datetime | None = first[_DUE]
    forced_queued = bool(first[_FORCED])
    rules = [
        faults.fault_of(row[_RULE_ID], row[_RULE]) for row in rows if row[_RULE_ID] is not None
    ]
    pair = None if first[_CREDENTIAL_ID] is None else credentials.pair_of(first[_PAIR])
    context = RequestContext(sandbox, next_due, rules, forced_queued, platform, key, pair)
    offered: dict[Hashable, Any] = {
        sandboxes.cache_key(sandbox_id): (sandbox, next_due),
        faults.cache_key(sandbox_id): rules,
    }
    if key is not None:
        offered[credentials.cache_key(sandbox_id, platform, key)] = pair
    db.cache.offer(version, offered)
    return context


_SANDBOX, _REFUNDS, _RULES = table_of(Sandbox), table_of(Refund), table_of(FaultRuleRow)
_CREDENTIALS, _STORES = credentials.CREDENTIALS, credentials.STORES
_FORCED_OUTCOMES = table_of(ForcedOutcome)
_NEXT_DUE = (
    select(func.min(_REFUNDS.c.settles_at))
    .where(_REFUNDS.c.sandbox_id == _SANDBOX.c.id, _REFUNDS.c.status == RefundStatus.PENDING)
    .scalar_subquery()
)
_FORCED_QUEUED = (
    select(_FORCED_OUTCOMES.c.id).where(_FORCED_OUTCOMES.c.sandbox_id == _SANDBOX.c.id).exists()
)
# One row per rule in force (one row with no rule when there is none), each carrying the
# sandbox, its next due time and the credential: rules are few (at most faults.MAX_RULES).
_CONTEXT = (
    select(_SANDBOX, _NEXT_DUE, _FORCED_QUEUED, _RULES.c.id, _RULES.c.rule, _CREDENTIALS, _STORES)
    .select_from(
        _SANDBOX.outerjoin(_RULES, and_(_RULES.c.sandbox_id == _SANDBOX.c.id, faults.LIVE))
        .outerjoin(
            _CREDENTIALS,
            and_(
                _CREDENTIALS.c.sandbox_id == _SANDBOX.c.id,
                _CREDENTIALS.c.platform == bindparam("platform"),
                _CREDENTIALS.c.key == bindparam("key"),
            ),
        )
        .outerjoin(_STORES, _STORES.c.id == _CREDENTIALS.c.store_id)
    )
    .where(_SANDBOX.c.id == bindparam("sandbox_id"))
    .order_by(_RULES.c.id)
)
# Where each part sits in a row.
_S = slice(0, len(_SANDBOX.c))
_DUE = _S.stop
_FORCED = _DUE + 1
_RULE_ID, _RULE = _FORCED + 1, _FORCED + 2
_PAIR = slice(_RULE + 1, _RULE + 1 + len(_CREDENTIALS.c) + len(_STORES.c))
_CREDENTIAL_ID = _PAIR.start + list(_CREDENTIALS.c.keys()).index("id")
