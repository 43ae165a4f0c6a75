"""What a running server holds: settings, the database, fixtures, and sandbox set-up."""

from pathlib import Path

from sqlalchemy import delete
from sqlmodel import Session, SQLModel

from mockrefund.clock import ClockState, wall_now
from mockrefund.config import Settings
from mockrefund.core import sandboxes
from mockrefund.core.lifecycle import DelayPolicy
from mockrefund.core.models import Sandbox
from mockrefund.core.refunds import Lifecycle
from mockrefund.db import Database
from mockrefund.fixtures import FixtureSet, load_fixtures
from mockrefund.fixtures.seed import seed

# Children before parents, so foreign keys hold while a sandbox is emptied.
_SANDBOX_TABLES = [
    "refundtransaction",
    "refundline",
    "refund",
    "payment",
    "lineitem",
    "orders",
    "credential",
    "store",
    "sequence",
]


class Runtime:
    def __init__(self, settings: Settings, fixtures: FixtureSet | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.sqlalchemy_url())
        self.life = Lifecycle(DelayPolicy.parse(settings.settle_delay), settings.seed)
        self._fixtures = fixtures

    @property
    def fixtures(self) -> FixtureSet:
        """The default fixture set, read once (only when a sandbox needs seeding)."""
        if self._fixtures is None:
            self._fixtures = load_fixtures(Path(self.settings.fixtures))
        return self._fixtures

    def start(self) -> None:
        """Create the schema; seed the default sandbox if it is new, or if asked to reset."""
        if self.settings.reset:
            self.db.drop_schema()
        self.db.create_schema()
        with self.db.write() as session:
            if session.get(Sandbox, sandboxes.DEFAULT_SANDBOX) is None:
                self._create(session, sandboxes.DEFAULT_SANDBOX)

    def reset(self, sandbox_id: str = sandboxes.DEFAULT_SANDBOX) -> None:
        """Back to the fixtures: the sandbox's data, ids and clock start over."""
        with self.db.write() as session:
            sandboxes.get(session, sandbox_id)
            _empty(session, sandbox_id)
            self._create(session, sandbox_id)

    def _create(self, session: Session, sandbox_id: str) -> None:
        clock = ClockState.start(
            wall_now(), scale=self.settings.clock_scale, frozen=self.settings.clock_frozen
        )
        session.add(
            sandboxes.new_sandbox(
                sandbox_id, self.settings.seed, str(self.settings.fixtures), clock
            )
        )
        session.flush()
        seed(session, sandbox_id, self.fixtures)

    def close(self) -> None:
        self.db.dispose()


def _empty(session: Session, sandbox_id: str) -> None:
    tables = SQLModel.metadata.tables
    for name in _SANDBOX_TABLES:
        table = tables[name]
        session.execute(delete(table).where(table.c.sandbox_id == sandbox_id))
    sandbox_table = tables["sandbox"]
    session.execute(delete(sandbox_table).where(sandbox_table.c.id == sandbox_id))
    session.flush()
