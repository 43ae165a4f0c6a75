"""One Settings object; every field can come from a `MOCKREFUND_*` environment variable."""

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PACKAGE_DIR = Path(__file__).resolve().parent


def default_fixtures_path() -> Path:
    """The default fake stores: the repository's `fixtures/default` in a checkout,
    or the copy shipped inside the installed package."""
    for candidate in (
        PACKAGE_DIR.parent / "fixtures" / "default",
        PACKAGE_DIR / "_fixtures" / "default",
    ):
        if candidate.is_dir():
            return candidate
    return PACKAGE_DIR.parent / "fixtures" / "default"


# postgresql:// alone would make SQLAlchemy look for psycopg2; mockrefund[postgres]
# installs psycopg (version 3).
_PSYCOPG_SCHEMES = ("postgresql", "postgres")
URL_EXAMPLE = "postgresql://USER:PASSWORD@HOST:5432/DATABASE"


def database_url(value: str) -> str:
    """The SQLAlchemy URL of a database setting: a SQLite file path, ':memory:', or a URL
    (anything with `://`)."""
    value = value.strip()
    if value == ":memory:":
        return "sqlite://"
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser()}"
    scheme, rest = value.split("://", 1)
    if scheme in _PSYCOPG_SCHEMES:
        return f"postgresql+psycopg://{rest}"
    return value


def shown_url(url: str) -> str:
    """`url` with its password hidden, for logs and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url.split("://", 1)[0] + "://..."


def is_in_memory(url: str) -> bool:
    """An SQLite database that lives only in its process (no other process can share it)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and (
        parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"
    )


_SETTLE_SPEC = re.compile(r"^(realistic|\d+(\.\d+)?|\d+(\.\d+)?-\d+(\.\d+)?)$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOCKREFUND_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: Annotated[int, Field(ge=0, le=65535)] = Field(8000, description="Port to listen on.")
    db: str = Field(
        "mockrefund.db",
        description=(
            "Where the data lives: a SQLite file, ':memory:' (this process only, gone when "
            f"it stops), or a database URL such as {URL_EXAMPLE} (postgresql:// and "
            "postgres:// use psycopg, from mockrefund[postgres])."
        ),
    )
    database_url: str | None = Field(
        None,
        description="The same as `db` (kept for existing set-ups); when set, it wins over `db`.",
    )
    workers: Annotated[int, Field(ge=1)] = Field(
        1,
        description=(
            "Server processes on the one port, sharing the database (a SQLite file or "
            "PostgreSQL, not ':memory:')."
        ),
    )
    fixtures: Path = Field(
        default_factory=default_fixtures_path,
        description="Fixture file or folder loaded into a new (or reset) database.",
    )
    reset: bool = Field(False, description="Drop the data and seed from the fixtures again.")
    seed: int = Field(
        0, ge=0, le=2**63 - 1, description="Seed for every random choice (settle delays, ...)."
    )
    settle_delay: str = Field(
        "realistic",
        description=(
            "How long refunds stay pending, in mock seconds: 'realistic' (most within an "
            "hour, none past 24 hours), a number, or a range 'MIN-MAX'."
        ),
    )
    settle_interval: Annotated[float, Field(gt=0)] = Field(
        1.0, description="Wall seconds between background sweeps that settle due refunds."
    )
    clock_scale: Annotated[float, Field(gt=0)] = Field(
        1.0, description="Mock seconds per wall second for the default sandbox."
    )
    clock_frozen: bool = Field(False, description="Start the default sandbox's clock frozen.")
    max_sandboxes: Annotated[int, Field(ge=1)] = Field(
        1000, description="How many sandboxes the server holds at most."
    )
    sandbox_ttl: Annotated[float, Field(gt=0)] = Field(
        3600.0, description="Wall seconds after which an unused sandbox is deleted."
    )
    admin_token: str | None = Field(
        None,
        description="When set, every /__admin call but the health check must send it "
        "(Authorization: Bearer TOKEN, or X-Mockrefund-Admin-Token: TOKEN).",
    )
    admin_body_limit: Annotated[int, Field(ge=1024)] = Field(
        4 * 1024 * 1024,
        description="Largest request body the control plane takes, in bytes (inline "
        "fixtures are the big ones); larger is 413.",
    )
    journal_size: Annotated[int, Field(ge=0, le=1_000_000)] = Field(
        1000, description="Requests kept in each sandbox's journal (the oldest go first)."
    )
    read_cache: bool = Field(
        True,
        description="Keep what reads found until the database changes (SQLite only); "
        "off, every request reads the database.",
    )
    kakaclo_rate_limit: bool = Field(
        False, description="Kakaclo's leaky bucket (120 deep, 2/s per store) in every sandbox."
    )
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = Field(
        "info", description="Log level; 'debug' and 'trace' also log every request."
    )
    shopline_rate_limit: bool = Field(
        False,
        description=(
            "SHOPLINE flow control: a leaky bucket per store (40 requests, leaking 4 a "
            "second); past it, 429 Too many request."
        ),
    )
    woocommerce_enforce_scheme: bool = Field(
        False,
        description=(
            "WooCommerce auth as on a real store: keys and Basic only over HTTPS, OAuth 1.0a "
            "only over HTTP (X-Forwarded-Proto is trusted)."
        ),
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_log_level(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("db", "database_url")
    @classmethod
    def _check_database(cls, value: str | None) -> str | None:
        if value is None or "://" not in value:
            return value
        try:
            make_url(database_url(value))
        except (ArgumentError, ValueError) as error:
            raise ValueError(
                f"not a database URL ({error}); give a SQLite file, ':memory:', or a URL "
                f"such as {URL_EXAMPLE}"
            ) from None
        return value

    @field_validator("settle_delay")
    @classmethod
    def _check_settle_delay(cls, value: str) -> str:
        value = value.strip()
        if not _SETTLE_SPEC.match(value):
            raise ValueError("use 'realistic', a number of seconds, or a range like '60-3600'")
        if "-" in value:
            low, high = (float(part) for part in value.split("-"))
            if low > high:
                raise ValueError(f"range {value!r} runs backwards")
        return value

    def sqlalchemy_url(self) -> str:
        return database_url(self.database_url or self.db)
