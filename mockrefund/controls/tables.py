"""The tables of the per-sandbox controls: journal, fault rules, rate buckets, nonces.

Like every other table they are keyed by sandbox, so reset and delete clear them in the
same transaction as the sandbox's data, whichever server serves the call. None of them is
copied from a template: a new or reset sandbox starts with none of their rows.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, Text
from sqlmodel import Field, SQLModel

from mockrefund.core.columns import UtcTimestamp

# A 64-bit key from the database's own sequence; on SQLite an INTEGER key is the rowid,
# which is 64 bits and numbered by the database (a BIGINT key would not be).
_KEY = BigInteger().with_variant(Integer, "sqlite")


class JournalEntry(SQLModel, table=True):
    """One request to an emulated API and its answer."""

    __tablename__ = "journal"
    __table_args__ = (
        # A sandbox's journal in order, and its oldest entries pruned, by position.
        Index("ix_journal_position", "sandbox_id", "position", unique=True),
        # Ids never come back, even once the entries holding them are gone.
        {"sqlite_autoincrement": True},
    )

    # Unique across servers (the database's own sequence): a client can tell entries apart.
    id: int | None = Field(default=None, primary_key=True, sa_type=_KEY)
    sandbox_id: str = Field(max_length=64)
    # 1, 2, 3, ... within the sandbox, in the order the requests were recorded.
    position: int = Field(sa_type=BigInteger)
    recorded_at: datetime = Field(sa_type=UtcTimestamp)
    platform: str = Field(max_length=32)
    method: str = Field(max_length=16)
    path: str = Field(sa_type=Text)
    query: str = Field(sa_type=Text)
    request_headers: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    request_body: str = Field(default="", sa_type=Text)
    status: int = 0
    response_headers: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    response_body: str = Field(default="", sa_type=Text)
    duration_ms: float = 0.0
    fault: int | None = None
    nearest_routes: list[str] = Field(default_factory=list, sa_type=JSON)


class JournalHead(SQLModel, table=True):
    """The last position handed out in a sandbox's journal: one row, bumped per entry."""

    __tablename__ = "journal_head"

    sandbox_id: str = Field(primary_key=True, max_length=64)
    last_position: int = Field(default=0, sa_type=BigInteger)


class FaultRuleRow(SQLModel, table=True):
    """A fault rule in force, with the counters every server shares."""

    __tablename__ = "fault_rule"
    __table_args__ = (
        Index("ix_fault_rule_sandbox", "sandbox_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=_KEY)
    sandbox_id: str = Field(max_length=64)
    rule: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # Fires left ("the next N requests"); None: no limit.
    remaining: int | None = None
    # Requests that matched the rule, fired or not: the draw of a probability rule is
    # made from its seed and this count, so any number of servers draw the same series.
    matched: int = 0
    fired: int = 0


class RateBucket(SQLModel, table=True):
    """A leaky bucket: its level when last poured into, and when (wall epoch seconds)."""

    __tablename__ = "rate_bucket"

    sandbox_id: str = Field(primary_key=True, max_length=64)
    platform: str = Field(primary_key=True, max_length=32)
    store_id: int = Field(primary_key=True)
    level: float = 0.0
    poured_at: float = 0.0
    # Whether the last pour fit: read back by the statement that pours.
    admitted: bool = True


class OAuthNonce(SQLModel, table=True):
    """A WooCommerce OAuth 1.0a nonce, used once per consumer key within the window."""

    __tablename__ = "oauth_nonce"
    __table_args__ = (Index("ix_oauth_nonce_timestamp", "timestamp"),)

    sandbox_id: str = Field(primary_key=True, max_length=64)
    consumer_key: str = Field(primary_key=True)
    # A digest of the nonce: fixed size whatever the client sends.
    nonce_digest: str = Field(primary_key=True, max_length=64)
    # The request's oauth_timestamp (epoch seconds): the nonce expires with it.
    timestamp: int = Field(sa_type=BigInteger)


# Everything a sandbox owns here, for reset and delete.
TABLES = ["journal", "journal_head", "fault_rule", "rate_bucket", "oauth_nonce"]
