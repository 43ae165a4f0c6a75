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

    host: str = Field(
        "127.0.0.1",
        description=(
            "Address to listen on. Any address other than 127.0.0.1, localhost or ::1 "
            "prints a warning: the server has no access control."
        ),
    )
    port: Annotated[int, Field(ge=0, le=65535)] = Field(
        8000, description="Port to listen on (0 to 65535)."
    )
    db: str = Field(
        "mockrefund.db",
        description=(
            "Where the data lives: a SQLite file, relative to the current folder; "
            "`:memory:`, in memory only (gone when the server stops); or a database URL "
            "(anything with `://`), such as `postgresql://user:pass@host:5432/db`. "
            "`postgresql://` and `postgres://` use psycopg (install "
            "`mockrefund[postgres]`); other SQLAlchemy URLs are taken as they are. A "
            "database that cannot be used (PostgreSQL down, a database that does not "
            "exist, a folder that does not exist, the driver missing) stops the server "
            "with one line saying what to fix, and exit status 2."
        ),
    )
    database_url: str | None = Field(
        None,
        description=(
            "The same as `db`, kept for existing set-ups; when set, it wins over "
            "`MOCKREFUND_DB`. A flag (`--db` or `--database-url`) wins over both "
            "variables."
        ),
    )
    workers: Annotated[int, Field(ge=1)] = Field(
        1,
        description=(
            "Server processes answering on the one port (1 or more). They share the "
            "database, so it must be a SQLite file or PostgreSQL, not `:memory:`; see "
            "[Running at scale](running.md#running-at-scale)."
        ),
    )
    fixtures: Path = Field(
        default_factory=default_fixtures_path,
        description=(
            "Fixture file or folder: the `default` fixture set. It is read at every start "
            "and is what new sandboxes get; the default sandbox takes it when the "
            "database is new, on `--reset` and on `POST /__admin/reset`. Other named sets "
            "are looked for beside it (see [Sandboxes](sandboxes.md))."
        ),
    )
    reset: bool = Field(
        False, description="Drop all data at start and seed again from the fixtures."
    )
    seed: int = Field(
        0,
        ge=0,
        le=2**63 - 1,
        description=(
            "Seed for every random choice (settle delays), for the default sandbox and "
            "for sandboxes created without a `seed`."
        ),
    )
    settle_delay: str = Field(
        "realistic",
        description=(
            "How long refunds stay pending, in mock seconds: `realistic`, a number, or a "
            "range `MIN-MAX`. See [Forcing outcomes](outcomes.md)."
        ),
    )
    settle_interval: Annotated[float, Field(gt=0)] = Field(
        1.0,
        description="Wall seconds between background sweeps that settle due refunds (above 0).",
    )
    clock_scale: Annotated[float, Field(gt=0)] = Field(
        1.0,
        description=(
            "Mock seconds per wall second of the default sandbox's clock (above 0; `60` "
            "makes a wall minute a mock hour). Applied when the default sandbox is seeded "
            "(new database, `--reset`, `POST /__admin/reset`). Other sandboxes take "
            "`clock.scale` when created (default 1)."
        ),
    )
    clock_frozen: bool = Field(
        False,
        description=(
            "Start the default sandbox's clock stopped, so only the clock endpoints move "
            "it. Applied when the default sandbox is seeded. Other sandboxes take "
            "`clock.frozen` when created."
        ),
    )
    max_sandboxes: Annotated[int, Field(ge=1)] = Field(
        1000,
        description=(
            "How many sandboxes (made with `POST /__admin/sandboxes`) the server holds at "
            "most, not counting the default one (1 or more); creating one more is refused "
            "with 409."
        ),
    )
    sandbox_ttl: Annotated[float, Field(gt=0)] = Field(
        3600.0,
        description=(
            "Wall seconds after which a sandbox nobody uses is deleted (above 0); "
            "accurate to about a minute. The default sandbox never expires."
        ),
    )
    admin_token: str | None = Field(
        None,
        description=(
            "When set, every `/__admin` call but `GET /__admin/health` must send it, as "
            "`Authorization: Bearer TOKEN` or `X-Mockrefund-Admin-Token: TOKEN` (else "
            "401); the [dashboard](dashboard.md) asks for it in a form. The client, the "
            "pytest plugin and `mockrefund sandbox` read the same "
            "variable. `mockrefund serve` warns when it listens beyond loopback without "
            "one."
        ),
    )
    admin_body_limit: Annotated[int, Field(ge=1024)] = Field(
        4 * 1024 * 1024,
        description=(
            "Largest request body the control plane takes, in bytes (at least 1024); a "
            'larger one is 413 `{"error": ..., "status": 413}`. Inline fixtures are the '
            "big bodies: 4 MiB holds about 10,000 orders. The emulated APIs take up to 1 "
            "MiB, as before."
        ),
    )
    journal_size: Annotated[int, Field(ge=0, le=1_000_000)] = Field(
        1000,
        description=(
            "Requests kept in each sandbox's journal (0 to 1000000; 0 keeps none); the "
            "oldest go first. See [The journal](faults.md#the-journal)."
        ),
    )
    max_streams: Annotated[int, Field(ge=1)] = Field(
        64,
        description=(
            "Journal streams (`GET /__admin/requests/stream` and the like) each server "
            "process keeps open at once (1 or more; each of `--workers N` has its own); "
            'one more is refused with 503 `{"error": ..., "status": 503}`. A stream '
            "holds at most 16 journal entries in memory beyond its socket's buffer. See "
            "[Following the journal](faults.md#following-the-journal)."
        ),
    )
    read_cache: bool = Field(
        True,
        description=(
            "Keep what reads found (sandboxes, clocks, credentials, orders) until the "
            "database changes, on SQLite; it is never stale, as it follows the database "
            "file's version (see [Where the time "
            "goes](development.md#where-the-time-goes)). `false` sends every request to "
            "the database. Always off on PostgreSQL."
        ),
    )
    kakaclo_rate_limit: bool = Field(
        False,
        description=(
            "Kakaclo's rate limit in every sandbox: a leaky bucket per store, 120 "
            "requests deep, leaking 2 a second; past it, 429 with code 42900. See [Rate "
            "limits](faults.md#rate-limits)."
        ),
    )
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = Field(
        "info",
        description=(
            "Log level of the server (its own lines and uvicorn's): `critical`, "
            "`error`, `warning`, `info`, `debug` or `trace` (any case). `info` and below "
            "log a line per request; `warning` keeps only problems. See [Logs and "
            "metrics](observability.md)."
        ),
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description=(
            "How log lines are written to standard error: `text`, for people, or "
            "`json`, one object a line with stable keys, for log shippers. See [Logs and "
            "metrics](observability.md#logs)."
        ),
    )
    shopline_rate_limit: bool = Field(
        False,
        description=(
            "SHOPLINE flow control in every sandbox: a leaky bucket per store, 40 "
            'requests deep, leaking 4 a second; past it, 429 `{"errors":"Too many '
            'request"}`. See [Flow control](shopline.md#flow-control) and [Rate '
            "limits](faults.md#rate-limits)."
        ),
    )
    woocommerce_enforce_scheme: bool = Field(
        False,
        description=(
            "WooCommerce authentication as on a real store: consumer keys in the query "
            "and HTTP Basic only over HTTPS, OAuth 1.0a only over plain HTTP "
            "(`X-Forwarded-Proto` is trusted). With `false`, all three work over either. "
            "See [WooCommerce authentication](woocommerce.md#woocommerce-authentication)."
        ),
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower_log_words(cls, value: object) -> object:
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
