"""What a running server holds (settings, database, fixture sets) and how sandboxes are made.

Each fixture set is seeded once into a hidden template sandbox, named after a digest of
the fixtures, so that every server on one database (and every restart) finds the same
one. Every sandbox made from that set, the default one included, is a copy of its
template (see `core.cloning`), and a reset copies it again: milliseconds, whatever the
fixtures hold. All of it is in the database; the server itself holds nothing that
changes what a sandbox answers.
"""

import contextlib
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from mockrefund import __version__
from mockrefund.clock import ClockState, wall_now
from mockrefund.config import Settings
from mockrefund.controls import tables as control_tables
from mockrefund.core import cloning, sandboxes, staging
from mockrefund.core.lifecycle import DelayPolicy
from mockrefund.core.models import Sandbox
from mockrefund.core.refunds import Lifecycle
from mockrefund.db import Database, SchemaMismatch
from mockrefund.fixtures import FixtureError, FixtureSet
from mockrefund.fixtures.load import StorePart, files_digest, fixture_files, fixture_parts
from mockrefund.fixtures.seed import seed_parts
from mockrefund.logs import FIELDS, SANDBOXES

TEMPLATE_PREFIX = sandboxes.TEMPLATE_PREFIX
# Fixture sets' templates whose size `Runtime` remembers (a server has a handful of sets).
_TEMPLATES_REMEMBERED = 64
SANDBOX_PREFIX = "sbx_"
DEFAULT_FIXTURES = "default"
# The `fixtures` of a sandbox made from fixtures sent with the request.
INLINE_FIXTURES = "inline"

log = logging.getLogger(SANDBOXES)


def _log_event(event: str, sandbox_id: str, message: str, *args: object) -> None:
    """A sandbox's creation, reset, deletion or expiry, with `event` and `sandbox` as
    fields of its JSON line."""
    log.info(message, *args, extra={FIELDS: {"event": event, "sandbox": sandbox_id}})


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
        self._given_fixtures = fixtures
        self._default_source: FixtureSource | None = None
        # Whether each fixture set's template is copied in steps (see
        # `_copies_template_in_steps`).
        self._templates_in_steps: dict[str, bool] = {}
        self.started = False

    # -- fixture sets ---------------------------------------------------------------

    def fixture_source(self, name: str) -> "FixtureSource":
        """The default set (settings.fixtures), or a sibling folder or file of it by name.

        The default set is read once: edits to it take effect at the next start. A named
        set is read again each time, so that edits to its files take effect at once."""
        if name == DEFAULT_FIXTURES:
            if self._default_source is None:
                given = self._given_fixtures
                self._default_source = (
                    _source(Path(self.settings.fixtures))
                    if given is None
                    else FixtureSource(
                        _set_digest(given), lambda: map(StorePart.whole, given.stores)
                    )
                )
            return self._default_source
        root = Path(self.settings.fixtures).parent
        for candidate in (root / name, root / f"{name}.json"):
            if name.replace("-", "").replace("_", "").isalnum() and candidate.exists():
                return _source(candidate)
        raise UnknownFixtureSet(f"no fixture set named {name!r} in {root}")

    # -- start ----------------------------------------------------------------------

    def start(self) -> None:
        """Create the schema, the default set's template and the default sandbox, each
        only if missing; any number of servers may start at once on one database."""
        default = self.fixture_source(DEFAULT_FIXTURES)
        with self.db.exclusive() as session:
            if self.settings.reset:
                SQLModel.metadata.drop_all(session.connection())
            self.db.create_schema(session)
            self.db.check_schema_version(session)
            template = self._template(session, default, DEFAULT_FIXTURES)
            _drop_unused_templates(session, keep=template)
            if session.get(Sandbox, sandboxes.DEFAULT_SANDBOX) is None:
                self._create(
                    session,
                    sandboxes.DEFAULT_SANDBOX,
                    DEFAULT_FIXTURES,
                    template,
                    self.settings.seed,
                    ClockOptions(
                        scale=self.settings.clock_scale, frozen=self.settings.clock_frozen
                    ),
                )
                cloning.clone(session, template, sandboxes.DEFAULT_SANDBOX)
        self.started = True

    def _template(self, session: Session, fixtures: "FixtureSource", name: str) -> str:
        """The id of the template holding `fixtures`, seeded now if no server has yet.

        A template is named after a digest of its fixture files: the same files, from any
        server or after a restart, find the same template without being parsed; edited
        ones make a new one.
        """
        template_id = TEMPLATE_PREFIX + fixtures.digest
        _lock(session, template_id)
        if session.get(Sandbox, template_id) is None:
            # Seeded a file at a time (one file's orders in memory), in a savepoint: fixtures
            # that turn out wrong part-way leave nothing behind, whatever the caller does.
            with session.begin_nested():
                session.add(
                    sandboxes.new_sandbox(
                        template_id, 0, name, ClockState.start(wall_now(), frozen=True)
                    )
                )
                session.flush()
                seed_parts(session, template_id, fixtures.parts())
                session.flush()
        return template_id

    # -- sandboxes ------------------------------------------------------------------

    def create_sandbox(
        self,
        fixtures: str | FixtureSet = DEFAULT_FIXTURES,
        seed_value: int | None = None,
        clock: ClockOptions = ClockOptions(),
    ) -> Sandbox:
        sandbox = self._create_sandbox(fixtures, seed_value, clock)
        _log_event("created", sandbox.id, "sandbox %s created from fixtures %s", sandbox.id,
                   sandbox.fixtures)  # fmt: skip
        return sandbox

    def _create_sandbox(
        self, fixtures: str | FixtureSet, seed_value: int | None, clock: ClockOptions
    ) -> Sandbox:
        sandbox_id = SANDBOX_PREFIX + secrets.token_urlsafe(18)
        seed_value = self.settings.seed if seed_value is None else seed_value
        if not isinstance(fixtures, FixtureSet):
            with self.db.write() as session:
                template = self._template(session, self.fixture_source(fixtures), fixtures)
                self._check_limit(session)
                if not self._copies_template_in_steps(session, template):
                    sandbox = self._create(
                        session, sandbox_id, fixtures, template, seed_value, clock
                    )
                    cloning.clone(session, template, sandbox_id)
                    return sandbox
            return self._create_in_steps(sandbox_id, fixtures, template, seed_value, clock)
        # Fixtures sent with the request: a template of the sandbox's own, seeded in
        # steps (`core.staging`), so that however many orders it holds, other sandboxes'
        # writes never wait for more than one short step.
        with self.db.read() as session:
            self._check_limit(session)
        template = TEMPLATE_PREFIX + sandbox_id
        frozen = ClockState.start(wall_now(), frozen=True)
        staging.seed_in_steps(
            self.db, sandboxes.new_sandbox(template, 0, INLINE_FIXTURES, frozen), fixtures
        )
        try:
            return self._create_in_steps(sandbox_id, INLINE_FIXTURES, template, seed_value, clock)
        except BaseException:
            _empty_in_steps(self.db, template, also_sandbox=True)
            raise

    def _copies_in_steps(self, session: Session, *sandbox_ids: str) -> bool:
        """Whether copying or clearing these sandboxes goes in steps: on SQLite, for a big
        one, so that other sandboxes' writes never wait long for the one write lock.
        (PostgreSQL locks rows, not the database: one transaction holds up nobody.)"""
        if self.db.is_postgres:
            return False
        return any(cloning.is_big(session, sandbox_id) for sandbox_id in sandbox_ids)

    def _copies_template_in_steps(self, session: Session, template: str) -> bool:
        """`_copies_in_steps` for a fixture set's template, remembered: a template is named
        after its files' digest and is never written once seeded, so the answer for a name
        never changes (a sandbox create then costs one probe less). One entry per fixture
        set seen, forgotten all at once past `_TEMPLATES_REMEMBERED`."""
        known = self._templates_in_steps.get(template)
        if known is None:
            known = self._copies_in_steps(session, template)
            if len(self._templates_in_steps) >= _TEMPLATES_REMEMBERED:
                self._templates_in_steps.clear()
            self._templates_in_steps[template] = known
        return known

    def _create_in_steps(
        self, sandbox_id: str, fixtures: str, template: str, seed_value: int, clock: ClockOptions
    ) -> Sandbox:
        """Copy the template first (in steps, if big), then add the sandbox's row: until
        then, nobody can reach the copy."""
        with self.db.read() as session:
            in_steps = self._copies_in_steps(session, template)
        try:
            if in_steps:
                cloning.clone_in_steps(self.db, template, sandbox_id)
            with self.db.write() as session:
                self._check_limit(session)
                sandbox = self._create(session, sandbox_id, fixtures, template, seed_value, clock)
                if not in_steps:
                    cloning.clone(session, template, sandbox_id)
                return sandbox
        except BaseException:
            _empty_in_steps(self.db, sandbox_id)
            raise

    def _check_limit(self, session: Session) -> None:
        """Refuse a new sandbox past `max_sandboxes`; counted under a lock, so that
        servers creating at the same time cannot together pass the limit."""
        _lock(session, "sandbox-count")
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

    def _create(
        self,
        session: Session,
        sandbox_id: str,
        fixtures: str,
        template: str,
        seed_value: int,
        clock: ClockOptions,
    ) -> Sandbox:
        """Add the sandbox's row (its data is copied by the caller)."""
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
        return sandbox

    def reset(self, sandbox_id: str = sandboxes.DEFAULT_SANDBOX) -> Sandbox:
        """Back to the fixtures: the sandbox's data, ids, clock and controls start over."""
        sandbox = self._reset(sandbox_id)
        _log_event("reset", sandbox_id, "sandbox %s reset", sandbox_id)
        return sandbox

    def _reset(self, sandbox_id: str) -> Sandbox:
        """One transaction, or for a big sandbox on SQLite a reset in steps: the sandbox is
        marked as being reset (its requests are answered "busy" meanwhile), its rows go
        and the template's come in short transactions, and the mark goes last."""
        with self.db.write() as session:
            # Locked first: a second reset of the same sandbox waits for this one.
            sandbox = sandboxes.get(session, sandbox_id, for_update=True, while_reset=True)
            if sandboxes.resetting(sandbox):
                raise sandboxes.SandboxBusy(sandbox_id, sandbox.resetting_since or wall_now())
            old_template = sandbox.template
            template = self._current_template(session, sandbox)
            _lock(session, template)
            if self._copies_in_steps(session, sandbox_id, template):
                sandbox.resetting_since = wall_now()
                session.add(sandbox)
            else:
                _empty(session, sandbox_id, keep_sandbox=True)
                cloning.clone(session, template, sandbox_id)
                return self._start_over(session, sandbox, template, old_template)
        _empty_in_steps(self.db, sandbox_id)
        cloning.clone_in_steps(self.db, template, sandbox_id)
        with self.db.write() as session:
            found = session.get(Sandbox, sandbox_id, with_for_update=True)
            if found is not None:
                return self._start_over(session, found, template, old_template)
        _empty_in_steps(self.db, sandbox_id)  # deleted meanwhile: what the copy added goes
        raise sandboxes.SandboxNotFound(sandbox_id)

    def _current_template(self, session: Session, sandbox: Sandbox) -> str:
        """The template a reset copies: a named set is read again, so that edits to its
        files take effect (a set that no longer loads keeps the template it had)."""
        if sandbox.fixtures != INLINE_FIXTURES:
            with contextlib.suppress(UnknownFixtureSet, FixtureError):
                source = self.fixture_source(sandbox.fixtures)
                return self._template(session, source, sandbox.fixtures)
        return sandbox.template

    def _start_over(
        self, session: Session, sandbox: Sandbox, template: str, old_template: str
    ) -> Sandbox:
        """The sandbox's own fields as new (its data is already the template's copy)."""
        clock = ClockOptions(scale=sandbox.clock_scale, frozen=sandbox.clock_frozen)
        if sandbox.id == sandboxes.DEFAULT_SANDBOX:
            clock = ClockOptions(scale=self.settings.clock_scale, frozen=self.settings.clock_frozen)
        wall = wall_now()
        fresh = sandboxes.new_sandbox(
            sandbox.id,
            sandbox.seed,
            sandbox.fixtures,
            ClockState.start(wall, scale=clock.scale or 1.0, frozen=bool(clock.frozen)),
        )
        fresh.template = template
        fresh.last_used_at = wall
        fresh.created_at = sandbox.created_at
        for field, value in fresh.model_dump().items():
            setattr(sandbox, field, value)
        session.add(sandbox)
        session.flush()
        if old_template != template:
            # Made from fixtures since edited: the old copy may have no user left.
            _lock(session, old_template)
            _drop_unused_templates(session, only=old_template)
        return sandbox

    def delete_sandbox(self, sandbox_id: str) -> None:
        self._delete_sandbox(sandbox_id)
        _log_event("deleted", sandbox_id, "sandbox %s deleted", sandbox_id)

    def _delete_sandbox(self, sandbox_id: str) -> None:
        if sandbox_id == sandboxes.DEFAULT_SANDBOX:
            raise DefaultSandboxProtected("the default sandbox cannot be deleted; reset it instead")
        # The sandbox's row first, in one short transaction: from then on no caller can
        # reach it. Its rows then go in steps, so that deleting a big sandbox never holds
        # the database for long.
        with self.db.write() as session:
            sandbox = sandboxes.get(session, sandbox_id, for_update=True, while_reset=True)
            gone = [sandbox_id]
            if sandbox.fixtures == INLINE_FIXTURES:
                gone.append(sandbox.template)  # the sandbox's own template goes with it
            sandbox_table = SQLModel.metadata.tables["sandbox"]
            session.execute(delete(sandbox_table).where(sandbox_table.c.id.in_(gone)))
        for owner in gone:
            _empty_in_steps(self.db, owner)

    def expire_idle(self) -> list[str]:
        """Delete the sandboxes nobody used for `sandbox_ttl` seconds; returns their ids."""
        cutoff = wall_now() - timedelta(seconds=self.settings.sandbox_ttl)
        expired = sandboxes.idle_since(
            self.db, cutoff, keep=(sandboxes.DEFAULT_SANDBOX,), hidden_prefix=TEMPLATE_PREFIX
        )
        gone = []
        for sandbox_id in expired:
            try:
                self._delete_sandbox(sandbox_id)
            except sandboxes.SandboxNotFound:
                continue  # deleted meanwhile, by a request or another server's sweep
            _log_event(
                "expired", sandbox_id, "sandbox %s expired after %ss idle", sandbox_id,
                self.settings.sandbox_ttl,
            )  # fmt: skip
            gone.append(sandbox_id)
        return gone

    def close(self) -> None:
        self.db.dispose()


def _empty(session: Session, sandbox_id: str, keep_sandbox: bool = False) -> None:
    """Delete every row of a sandbox, children before parents, its controls included."""
    tables = SQLModel.metadata.tables
    for name in [*reversed(cloning.TABLES), *control_tables.TABLES]:
        table = tables[name]
        session.execute(delete(table).where(table.c.sandbox_id == sandbox_id))
    if not keep_sandbox:
        sandbox_table = tables["sandbox"]
        session.execute(delete(sandbox_table).where(sandbox_table.c.id == sandbox_id))


# Rows deleted per transaction when a sandbox goes: a few milliseconds of the database.
DELETE_STEP_ROWS = cloning.STEP_ROWS
# Passes over the tables before giving up: a request under way when the clearing began
# may add a child row after its table was cleared, which makes its parent's delete
# fail; the next pass takes the child first.
_CLEARING_PASSES = 3


def _empty_in_steps(db: Database, sandbox_id: str, also_sandbox: bool = False) -> None:
    """Delete every row of a sandbox that nobody can reach (gone, not yet made, or being
    reset), children before parents, a step of rows per transaction; `also_sandbox`:
    its own row too, last."""
    for attempt in range(_CLEARING_PASSES):
        try:
            _clear_tables(db, sandbox_id)
            break
        except IntegrityError:
            if attempt == _CLEARING_PASSES - 1:
                raise
    if also_sandbox:
        with db.write() as session:
            session.execute(delete(Sandbox).where(col(Sandbox.id) == sandbox_id))


def _clear_tables(db: Database, sandbox_id: str) -> None:
    tables = SQLModel.metadata.tables
    for name in [*reversed(cloning.TABLES), *control_tables.TABLES]:
        table = tables[name]
        everything = delete(table).where(table.c.sandbox_id == sandbox_id)
        if [c.name for c in table.primary_key.columns] != ["id"]:
            with db.write() as session:
                session.execute(everything)
            continue
        step = delete(table).where(
            table.c.id.in_(
                select(table.c.id).where(table.c.sandbox_id == sandbox_id).limit(DELETE_STEP_ROWS)
            )
        )
        while True:
            with db.write() as session:
                deleted = session.execute(step).rowcount  # type: ignore[attr-defined]
            if deleted < DELETE_STEP_ROWS:
                break


def _drop_unused_templates(
    session: Session, keep: str | None = None, only: str | None = None
) -> None:
    """Delete templates that no sandbox was made from (but `keep`); `only`: just that one."""
    used = select(col(Sandbox.template)).where(col(Sandbox.id).not_like(TEMPLATE_PREFIX + "%"))
    query = select(col(Sandbox.id)).where(
        col(Sandbox.id).like(TEMPLATE_PREFIX + "%"), col(Sandbox.id).not_in(used)
    )
    if keep is not None:
        query = query.where(col(Sandbox.id) != keep)
    if only is not None:
        query = query.where(col(Sandbox.id) == only)
    for template_id in session.execute(query).scalars().all():
        _empty(session, template_id)


@dataclass(frozen=True)
class FixtureSource:
    """A fixture set as a server finds it: the digest that names its template, and how to
    parse it, which only seeding a new template needs."""

    digest: str
    parts: Callable[[], Iterable[StorePart]]


# In every digest: a template seeded by another release of mockrefund is seeded again.
_DIGEST_SALT = f"mockrefund {__version__}"


def _source(path: Path) -> FixtureSource:
    return FixtureSource(
        files_digest(fixture_files(path), _DIGEST_SALT), lambda: fixture_parts(path)
    )


def _set_digest(fixtures: FixtureSet) -> str:
    content = (_DIGEST_SALT + fixtures.model_dump_json()).encode()
    return hashlib.sha256(content).hexdigest()[:32]


def _lock(session: Session, name: str) -> None:
    """Take a lock on `name` until the transaction ends. PostgreSQL needs one (an
    advisory lock); a SQLite write already holds the database's only write lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


__all__ = [
    "ClockOptions",
    "DefaultSandboxProtected",
    "FixtureError",
    "Runtime",
    "SandboxLimitReached",
    "SchemaMismatch",
    "UnknownFixtureSet",
]
