"""Injected faults: rules that make an emulated API answer badly on purpose.

A rule matches by method, path (a regular expression searched in the path the client
sent, without a sandbox prefix) and platform, and then answers a status with a body in
that platform's own format (or a body given), adds latency, or drops the connection;
for the next N matching requests, or with a probability under a seed.

Rules and their counters are rows, so every server shares them: a rule for the next N
requests fires N times in all, whichever servers take the requests (one conditional
UPDATE per firing), and a probability rule draws from its seed and its own count of
matching requests, so a run meets the same faults on one server or on three.
"""

import hashlib
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import bindparam, case, delete, func, insert, select, update

from mockrefund.controls.patterns import Pattern, compile_pattern
from mockrefund.controls.tables import FaultRuleRow
from mockrefund.core import sandboxes
from mockrefund.core.values import table_of
from mockrefund.db import Database

# Statuses whose answers carry no body, by HTTP's rules.
NO_BODY = frozenset({204, 304})
# Rules in force per sandbox at most: each is matched against every request.
MAX_RULES = 100


class TooManyRules(RuntimeError):
    pass


class FaultRule(BaseModel):
    method: str | None = Field(None, description="Only this HTTP method.")
    path: str | None = Field(None, description="A regular expression searched in the path.")
    platform: str | None = Field(None, description="kakaclo, shopline or woocommerce.")
    status: int | None = Field(
        None,
        ge=200,
        le=599,
        description="Answer this status (200 to 599; 204 and 304 answer with no body).",
    )
    body: Any = Field(None, description="Answer this JSON body instead of the platform's.")
    latency_ms: int = Field(0, ge=0, le=60_000, description="Wait this long first.")
    drop: bool = Field(False, description="Close the connection without an answer.")
    times: int | None = Field(
        None, ge=1, le=2**31 - 1, description="Only the next N matching requests."
    )
    probability: float = Field(1.0, gt=0, le=1, description="Chance that a match fires.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Seed for the probability draws.")

    @field_validator("path")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            compile_pattern(value)  # its PatternError (a ValueError) says what is wrong
        return value

    @model_validator(mode="after")
    def _bodiless_statuses(self) -> "FaultRule":
        if self.status in NO_BODY and self.body is not None:
            raise ValueError(f"a {self.status} answer has no body: leave out `body`")
        return self

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, value: str | None) -> str | None:
        if value is not None and value not in ("kakaclo", "shopline", "woocommerce"):
            raise ValueError("use kakaclo, shopline or woocommerce")
        return value


@dataclass(frozen=True)
class Fault:
    """A rule in force, as the traffic middleware matches it."""

    id: int
    rule: FaultRule
    path: Pattern | None

    def matches(self, method: str, path: str, platform: str) -> bool:
        rule = self.rule
        return (
            (not rule.method or rule.method.upper() == method)
            and (not rule.platform or rule.platform == platform)
            and (self.path is None or self.path.search(path) is not None)
        )


_TABLE = table_of(FaultRuleRow)


def add(db: Database, sandbox_id: str, rule: FaultRule) -> dict[str, Any]:
    with db.write() as session:
        # The sandbox locked first, so that adds through several servers count right.
        sandboxes.get(session, sandbox_id, for_update=True)
        in_force = session.execute(
            select(func.count()).select_from(_TABLE).where(_TABLE.c.sandbox_id == sandbox_id)
        ).scalar_one()
        if in_force >= MAX_RULES:
            raise TooManyRules(
                f"the sandbox has {in_force} fault rules, the most it may have; "
                "remove some (DELETE .../faults/{id} or .../faults) first"
            )
        row = (
            session.connection()
            .execute(
                insert(_TABLE).returning(*_TABLE.c),
                {
                    "sandbox_id": sandbox_id,
                    "rule": rule.model_dump(mode="json"),
                    "remaining": rule.times,
                    "matched": 0,
                    "fired": 0,
                },
            )
            .one()
        )
    return _view(row._mapping)


def views(db: Database, sandbox_id: str) -> list[dict[str, Any]]:
    """The rules in force with their counters, oldest first."""
    with db.read() as session:
        rows = session.connection().execute(_IN_SANDBOX, {"sandbox_id": sandbox_id}).all()
    return [_view(row._mapping) for row in rows]


def remove(db: Database, sandbox_id: str, fault_id: int) -> bool:
    with db.write() as session:
        removed = session.execute(
            delete(_TABLE).where(_TABLE.c.sandbox_id == sandbox_id, _TABLE.c.id == fault_id)
        )
    return bool(removed.rowcount)  # type: ignore[attr-defined]


def clear(db: Database, sandbox_id: str) -> None:
    with db.write() as session:
        session.execute(delete(_TABLE).where(_TABLE.c.sandbox_id == sandbox_id))


def cache_key(sandbox_id: str) -> tuple[str, str]:
    """The key of a sandbox's rules in force in the read cache."""
    return ("faults", sandbox_id)


def in_force(db: Database, sandbox_id: str) -> list[Fault]:
    """The sandbox's rules as matchers, from the read cache when it holds them (rules
    change only by writes that move its version: added, removed, used up)."""
    return db.cache.get(cache_key(sandbox_id), lambda: _load(db, sandbox_id))


def cached(db: Database, sandbox_id: str) -> list[Fault] | None:
    """The rules if the read cache holds them now (no database work), else None."""
    found: list[Fault] | None = db.cache.peek(cache_key(sandbox_id))
    return found


def pick(
    db: Database,
    sandbox_id: str,
    method: str,
    path: str,
    platform: str,
    rules: list[Fault] | None = None,
) -> Fault | None:
    """The first rule that matches and fires, counted against its `times`; among `rules`
    when the caller has read them already."""
    for fault in in_force(db, sandbox_id) if rules is None else rules:
        if fault.matches(method, path, platform) and _fires(db, fault):
            return fault
    return None


def _fires(db: Database, fault: Fault) -> bool:
    with db.side_write() as conn:
        matched = conn.execute(_COUNT_MATCH, {"fault_id": fault.id}).scalar()
        if matched is None:
            return False  # used up or removed meanwhile
        if draw(fault.rule.seed, int(matched)) >= fault.rule.probability:
            return False
        remaining = conn.execute(_COUNT_FIRE, {"fault_id": fault.id}).scalar()
    if remaining == 0:
        # Used up: gone from the list, in a write that tells every reader's cache.
        with db.write() as session:
            session.execute(_DROP_USED_UP, {"fault_id": fault.id})
    return True


def draw(seed: int, count: int) -> float:
    """A number in [0, 1) fixed by the seed and the count: the same on every server."""
    digest = hashlib.blake2b(f"{seed}:{count}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


def _load(db: Database, sandbox_id: str) -> list[Fault]:
    with db.read() as session:
        rows = session.connection().execute(_IN_SANDBOX, {"sandbox_id": sandbox_id}).all()
    return [fault_of(row.id, row.rule) for row in rows]


def fault_of(fault_id: int, stored_rule: Any) -> Fault:
    """A rule in force from its row's id and `rule` column."""
    rule = FaultRule.model_validate(stored_rule)
    pattern = compile_pattern(rule.path) if rule.path is not None else None
    return Fault(int(fault_id), rule, pattern)


def _view(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        **FaultRule.model_validate(row["rule"]).model_dump(),
        "remaining": row["remaining"],
        "fired": row["fired"],
    }


# A rule still in force (one used up is deleted, but a reader may meet it before).
LIVE = (_TABLE.c.remaining.is_(None)) | (_TABLE.c.remaining > 0)
_IN_SANDBOX = (
    select(_TABLE).where(_TABLE.c.sandbox_id == bindparam("sandbox_id"), LIVE).order_by(_TABLE.c.id)
)
_COUNT_MATCH = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("fault_id"), LIVE)
    .values(matched=_TABLE.c.matched + 1)
    .returning(_TABLE.c.matched)
)
_COUNT_FIRE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("fault_id"))
    .values(
        fired=_TABLE.c.fired + 1,
        remaining=case((_TABLE.c.remaining.is_(None), None), else_=_TABLE.c.remaining - 1),
    )
    .returning(_TABLE.c.remaining)
)
_DROP_USED_UP = delete(_TABLE).where(_TABLE.c.id == bindparam("fault_id"), _TABLE.c.remaining <= 0)
