"""Sandboxes and their clocks.

A sandbox row carries its clock's state, so every process that serves the sandbox
computes the same "now". Clock changes and the settlements they make due happen in one
transaction: after an advance, everything due has already settled.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from mockrefund.clock import ClockState, wall_now
from mockrefund.core import lifecycle
from mockrefund.core.errors import DomainError, NotFound
from mockrefund.core.models import Sandbox
from mockrefund.core.values import table_of, value_of
from mockrefund.db import Database

log = logging.getLogger("mockrefund")

DEFAULT_SANDBOX = "default"
# Hidden sandboxes that hold each fixture set's pristine copy: never reachable by a
# client, whether through the emulated APIs or the control plane.
TEMPLATE_PREFIX = "template:"


def reachable(sandbox_id: str) -> bool:
    """Whether a client may name this sandbox (it may still not exist)."""
    return bool(sandbox_id) and not sandbox_id.startswith(TEMPLATE_PREFIX)


class SandboxNotFound(NotFound):
    def __init__(self, sandbox_id: str) -> None:
        super().__init__(f"sandbox {sandbox_id!r} does not exist (deleted, expired, or mistyped)")
        self.sandbox_id = sandbox_id


# A reset in steps that has not ended after this long was cut short (its server
# stopped): another reset may start over.
RESET_ABANDONED_AFTER = timedelta(minutes=5)


class SandboxBusy(DomainError):
    """The sandbox is being reset in steps; answered 503 with `Retry-After`."""

    RETRY_AFTER_SECONDS = 1

    def __init__(self, sandbox_id: str, since: datetime) -> None:
        super().__init__(
            f"sandbox {sandbox_id!r} is being reset (since {since.isoformat()}); retry in a "
            f"moment (a reset unfinished after {RESET_ABANDONED_AFTER.seconds // 60} minutes "
            "was cut short: reset the sandbox again)"
        )
        self.sandbox_id = sandbox_id


def resetting(sandbox: Sandbox) -> bool:
    """Whether a reset in steps of the sandbox is under way (and not abandoned)."""
    since = sandbox.resetting_since
    return since is not None and wall_now() - since < RESET_ABANDONED_AFTER


def check_ready(sandbox: Sandbox) -> Sandbox:
    if sandbox.resetting_since is not None:
        raise SandboxBusy(sandbox.id, sandbox.resetting_since)
    return sandbox


def clock_of(sandbox: Sandbox) -> ClockState:
    return ClockState(
        anchor_wall=sandbox.clock_anchor_wall,
        anchor_mock=sandbox.clock_anchor_mock,
        scale=sandbox.clock_scale,
        frozen=sandbox.clock_frozen,
    )


def _store_clock(sandbox: Sandbox, state: ClockState) -> None:
    sandbox.clock_anchor_wall = state.anchor_wall
    sandbox.clock_anchor_mock = state.anchor_mock
    sandbox.clock_scale = state.scale
    sandbox.clock_frozen = state.frozen


def new_sandbox(sandbox_id: str, seed: int, fixtures: str, clock: ClockState) -> Sandbox:
    sandbox = Sandbox(id=sandbox_id, seed=seed, fixtures=fixtures, created_at=clock.anchor_wall)
    _store_clock(sandbox, clock)
    return sandbox


def get(
    session: Session, sandbox_id: str, for_update: bool = False, while_reset: bool = False
) -> Sandbox:
    """The sandbox; `for_update`: locked until the transaction ends (on PostgreSQL; a
    SQLite write holds the whole database already), so that changes made from what was
    read cannot be lost to a concurrent one. One being reset is `SandboxBusy`, unless
    `while_reset`."""
    if not reachable(sandbox_id):
        raise SandboxNotFound(sandbox_id)
    sandbox = session.get(Sandbox, sandbox_id, with_for_update=for_update or None)
    if sandbox is None:
        raise SandboxNotFound(sandbox_id)
    return sandbox if while_reset else check_ready(sandbox)


def now(db: Database, sandbox_id: str) -> datetime:
    with db.read() as session:
        return clock_of(get(session, sandbox_id)).now(wall_now())


def change_clock(
    db: Database,
    sandbox_id: str,
    change: Callable[[ClockState, datetime], ClockState],
) -> tuple[ClockState, datetime, int]:
    """Apply a clock change, then settle what it made due; returns (state, now, settled)."""
    with db.write() as session:
        # Locked: two advances at once move the clock twice, not once.
        sandbox = get(session, sandbox_id, for_update=True)
        wall = wall_now()
        state = change(clock_of(sandbox), wall)
        _store_clock(sandbox, state)
        session.add(sandbox)
        moment = state.now(wall)
        settled = lifecycle.settle_due(session, sandbox_id, moment)
        return state, moment, settled


def prepare(
    db: Database, sandbox_id: str, read: "tuple[Sandbox, datetime | None] | None" = None
) -> tuple[datetime, Sandbox]:
    """The sandbox's "now" (and the sandbox), after settling what is due by then.

    Every request runs this first, so a read right after a clock change already shows
    the final state, whether or not the background sweep has passed yet. It is cheap
    when nothing is due: one indexed probe. `read`: the sandbox and when its next
    transition is due, as this request read them already.
    """
    sandbox, next_due = read or db.cache.get(cache_key(sandbox_id), lambda: _load(db, sandbox_id))
    check_ready(sandbox)
    moment = clock_of(sandbox).now(wall_now())
    if next_due is not None and next_due <= moment:
        with db.write() as session:
            lifecycle.settle_due(session, sandbox_id, moment)
    return moment, sandbox


def _load(db: Database, sandbox_id: str) -> tuple[Sandbox, datetime | None]:
    """The sandbox (a plain value) and when its next scheduled transition is due (None:
    none waits)."""
    if not reachable(sandbox_id):
        raise SandboxNotFound(sandbox_id)
    with db.read() as session:
        row = session.connection().execute(_BY_ID, {"sandbox_id": sandbox_id}).first()
        if row is None:
            raise SandboxNotFound(sandbox_id)
        return value_of(Sandbox, row), lifecycle.next_due(session, sandbox_id)


_TABLE = table_of(Sandbox)
_BY_ID = sql_select(_TABLE).where(_TABLE.c.id == bindparam("sandbox_id"))


# Its key in the read cache: (the sandbox, when its next transition is due).
def cache_key(sandbox_id: str) -> tuple[str, str]:
    return ("sandbox", sandbox_id)


def set_rate_limits(db: Database, sandbox_id: str, switches: dict[str, bool]) -> Sandbox:
    """Switch the platforms' rate limits of the sandbox on or off; the sandbox as now."""
    with db.write() as session:
        sandbox = get(session, sandbox_id, for_update=True)
        for platform, on in switches.items():
            setattr(sandbox, f"{platform}_rate_limit", on)
        session.add(sandbox)
        return sandbox


def settle_all(db: Database) -> None:
    """The background sweep: every sandbox with pending refunds, each by its own clock."""
    with db.read() as session:
        pending = lifecycle.sandboxes_with_pending(session)
    for sandbox_id in pending:
        try:
            prepare(db, sandbox_id)
        except (SandboxNotFound, SandboxBusy):
            continue  # deleted while we swept, or being reset (which settles nothing)
        except Exception:
            # One sandbox's trouble must not keep the others' refunds from settling.
            log.exception("settling sandbox %s failed; the sweep goes on", sandbox_id)


# Recording each use would make every request a write; once a minute is plenty for
# expiry measured in tens of minutes.
TOUCH_EVERY = timedelta(minutes=1)


def touch(db: Database, sandbox: Sandbox) -> None:
    """Note that the sandbox is in use (for idle expiry), at most once a minute."""
    wall = wall_now()
    if sandbox.last_used_at is not None and wall - sandbox.last_used_at < TOUCH_EVERY:
        return
    with db.write() as session:
        session.execute(
            update(Sandbox).where(col(Sandbox.id) == sandbox.id).values(last_used_at=wall)
        )


def idle_since(
    db: Database, cutoff: datetime, keep: tuple[str, ...], hidden_prefix: str
) -> list[str]:
    """Sandboxes unused since `cutoff`, but for those kept and the hidden ones."""
    with db.read() as session:
        return list(
            session.exec(
                select(Sandbox.id).where(
                    col(Sandbox.last_used_at) < cutoff,
                    col(Sandbox.id).not_in(keep),
                    col(Sandbox.id).not_like(hidden_prefix + "%"),
                )
            )
        )
