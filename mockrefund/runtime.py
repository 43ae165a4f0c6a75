"""What a running server holds (settings, database, fixture sets) and how sandboxes are made.

Each fixture set is seeded once, at start, into a hidden template sandbox. Every sandbox
made from that set, the default one included, is a copy of its template (see
`core.cloning`), and a reset copies it again: milliseconds, whatever the fixtures hold.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlmodel import Session, SQLModel, col

from mockrefund.admin.controls import Controls
from mockrefund.clock import ClockState, wall_now
from mockrefund.config import Settings
from mockrefund.core import cloning, sandboxes
from mockrefund.core.lifecycle import DelayPolicy
from mockrefund.core.models import Sandbox
from mockrefund.core.refunds import Lifecycle
from mockrefund.db import Database, SchemaMismatch
from mockrefund.fixtures import FixtureError, FixtureSet, load_fixtures
from mockrefund.fixtures.seed import seed

TEMPLATE_PREFIX = "template:"
SANDBOX_PREFIX = "sbx_"
DEFAULT_FIXTURES = "default"


class SandboxLimitReached(RuntimeError):
    pass


class UnknownFixtureSet(LookupError):
    pass


class DefaultSandboxProtected(RuntimeError):
    pass


@dataclass(frozen=True)
class ClockOptions:
    at: datetime | None = None
    scale: float | None = None
    frozen: bool | None = None


class Runtime:
    def __init__(self, settings: Settings, fixtures: FixtureSet | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.sqlalchemy_url(), read_cache=settings.read_cache)
        self.delays = DelayPolicy.parse(settings.settle_delay)
        self.life = Lifecycle(self.delays, settings.seed)
        self._default_fixtures = fixtures
        self.started = False
        # Journal, faults and rate-limit switches, in memory, per sandbox.
        self.controls = Controls(settings.journal_size, capacity=settings.max_sandboxes + 16)

    # -- fixture sets ---------------------------------------------------------------

    def fixture_set(self, name: str) -> FixtureSet:
        """The default set (settings.fixtures), or a sibling folder or file of it by name."""
        if name == DEFAULT_FIXTURES:
            if self._default_fixtures is None:
                self._default_fixtures = load_fixtures(Path(self.settings.fixtures))
            return self._default_fixtures
        root = Path(self.settings.fixtures).parent
        for candidate in (root / name, root / f"{name}.json"):
            if name.replace("-", "").replace("_", "").isalnum() and candidate.exists():
                return load_fixtures(candidate)
        raise UnknownFixtureSet(f"no fixture set named {name!r} in {root}")

    # -- start ----------------------------------------------------------------------

    def start(self) -> None:
        """Create the schema, rebuild the default template, seed the default sandbox if new."""
        if self.settings.reset:
            self.db.drop_schema()
        self.db.create_schema()
        self.db.check_schema_version()
        with self.db.write() as session:
            # Templates are rebuilt from the files at every start, so edits take effect
            # for new sandboxes and resets (existing sandboxes keep their data).
            named = session.execute(
                select(col(Sandbox.fixtures)).where(
                    col(Sandbox.id).like(TEMPLATE_PREFIX + "%"),
                    # An inline set's template is named after its sandbox: not a file.
                    col(Sandbox.fixtures).not_like(SANDBOX_PREFIX + "%"),
                )
            ).scalars()
            for name in sorted({DEFAULT_FIXTURES, *named}):
                try:
                    fixtures = self.fixture_set(name)
                except (UnknownFixtureSet, FixtureError):
                    continue  # gone or broken now: its sandboxes keep the copy they have
                self._build_template(session, name, fixtures)
            if session.get(Sandbox, sandboxes.DEFAULT_SANDBOX) is None:
                self._create(
                    session,
                    sandboxes.DEFAULT_SANDBOX,
                    DEFAULT_FIXTURES,
                    self.settings.seed,
                    ClockOptions(
                        scale=self.settings.clock_scale, frozen=self.settings.clock_frozen
                    ),
                )
        self.started = True

    def _build_template(self, session: Session, name: str, fixtures: FixtureSet) -> str:
        template_id = TEMPLATE_PREFIX + name
        _empty(session, template_id)
        session.add(
            sandboxes.new_sandbox(template_id, 0, name, ClockState.start(wall_now(), frozen=True))
        )
        session.flush()
        seed(session, template_id, fixtures)
        session.flush()
        return template_id

    # -- sandboxes ------------------------------------------------------------------

    def create_sandbox(
        self,
        fixtures: str | FixtureSet = DEFAULT_FIXTURES,
        seed_value: int | None = None,
        clock: ClockOptions = ClockOptions(),
    ) -> Sandbox:
        sandbox_id = SANDBOX_PREFIX + secrets.token_urlsafe(18)
        with self.db.write() as session:
            count = session.execute(
                select(func.count())
                .select_from(Sandbox)
                .where(
                    col(Sandbox.id).not_like(TEMPLATE_PREFIX + "%"),
                    col(Sandbox.id) != sandboxes.DEFAULT_SANDBOX,
                )
            ).scalar_one()
            if count >= self.settings.max_sandboxes:
                raise SandboxLimitReached(
                    f"the server holds {count} sandboxes, its limit "
                    f"(MOCKREFUND_MAX_SANDBOXES); delete some or wait for idle ones to expire"
                )
            if isinstance(fixtures, FixtureSet):
                name = f"inline:{sandbox_id}"
                self._build_template(session, sandbox_id, fixtures)
            else:
                name = fixtures
                if session.get(Sandbox, TEMPLATE_PREFIX + name) is None:
                    self._build_template(session, name, self.fixture_set(name))
            seed_value = self.settings.seed if seed_value is None else seed_value
            sandbox = self._create(session, sandbox_id, name, seed_value, clock)
        self.controls.of(sandbox_id)  # its journal records from the first request on
        return sandbox

    def _create(
        self, session: Session, sandbox_id: str, fixtures: str, seed_value: int, clock: ClockOptions
    ) -> Sandbox:
        template = TEMPLATE_PREFIX + (sandbox_id if fixtures.startswith("inline:") else fixtures)
        wall = wall_now()
        state = ClockState.start(
            wall,
            at=clock.at,
            scale=clock.scale if clock.scale is not None else 1.0,
            frozen=bool(clock.frozen),
        )
        sandbox = sandboxes.new_sandbox(sandbox_id, seed_value, fixtures, state)
        sandbox.template = template
        sandbox.last_used_at = wall
        session.add(sandbox)
        session.flush()
        cloning.clone(session, template, sandbox_id)
        return sandbox

    def reset(self, sandbox_id: str = sandboxes.DEFAULT_SANDBOX) -> Sandbox:
        """Back to the fixtures: the sandbox's data, ids and clock start over."""
        with self.db.write() as session:
            old = sandboxes.get(session, sandbox_id)
            clock = ClockOptions(scale=old.clock_scale, frozen=old.clock_frozen)
            if sandbox_id == sandboxes.DEFAULT_SANDBOX:
                clock = ClockOptions(
                    scale=self.settings.clock_scale, frozen=self.settings.clock_frozen
                )
            fixtures, seed_value, template = old.fixtures, old.seed, old.template
            session.expunge(old)
            _empty(session, sandbox_id)
            self.controls.forget(sandbox_id)
            sandbox = self._create(session, sandbox_id, fixtures, seed_value, clock)
            sandbox.template = template
            session.add(sandbox)
            return sandbox

    def delete_sandbox(self, sandbox_id: str) -> None:
        if sandbox_id == sandboxes.DEFAULT_SANDBOX:
            raise DefaultSandboxProtected("the default sandbox cannot be deleted; reset it instead")
        with self.db.write() as session:
            sandbox = sandboxes.get(session, sandbox_id)
            inline_template = sandbox.template == TEMPLATE_PREFIX + sandbox_id
            _empty(session, sandbox_id)
            self.controls.forget(sandbox_id)
            if inline_template:
                _empty(session, sandbox.template)

    def expire_idle(self) -> list[str]:
        """Delete the sandboxes nobody used for `sandbox_ttl` seconds; returns their ids."""
        cutoff = wall_now() - timedelta(seconds=self.settings.sandbox_ttl)
        expired = sandboxes.idle_since(
            self.db, cutoff, keep=(sandboxes.DEFAULT_SANDBOX,), hidden_prefix=TEMPLATE_PREFIX
        )
        for sandbox_id in expired:
            try:
                self.delete_sandbox(sandbox_id)
            except sandboxes.SandboxNotFound:
                continue  # deleted meanwhile
        return expired

    def close(self) -> None:
        self.db.dispose()


def _empty(session: Session, sandbox_id: str) -> None:
    """Delete every row of a sandbox, children before parents."""
    tables = SQLModel.metadata.tables
    for name in reversed(cloning.TABLES):
        table = tables[name]
        session.execute(delete(table).where(table.c.sandbox_id == sandbox_id))
    sandbox_table = tables["sandbox"]
    session.execute(delete(sandbox_table).where(sandbox_table.c.id == sandbox_id))


__all__ = [
    "ClockOptions",
    "DefaultSandboxProtected",
    "FixtureError",
    "Runtime",
    "SandboxLimitReached",
    "SchemaMismatch",
    "UnknownFixtureSet",
]
