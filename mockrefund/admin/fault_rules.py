"""Injected faults: rules that make an emulated API answer badly on purpose.

A rule matches by method, path (a regular expression searched in the path the client
sent, without a sandbox prefix) and platform, and then answers a status with a body in
that platform's own format (or a body given), adds latency, or drops the connection;
for the next N matching requests, or with a probability under a seed.
"""

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, field_validator


class FaultRule(BaseModel):
    method: str | None = Field(None, description="Only this HTTP method.")
    path: str | None = Field(None, description="A regular expression searched in the path.")
    platform: str | None = Field(None, description="kakaclo, shopline or woocommerce.")
    status: int | None = Field(None, ge=100, le=599, description="Answer this status.")
    body: Any = Field(None, description="Answer this JSON body instead of the platform's.")
    latency_ms: int = Field(0, ge=0, le=60_000, description="Wait this long first.")
    drop: bool = Field(False, description="Close the connection without an answer.")
    times: int | None = Field(None, ge=1, description="Only the next N matching requests.")
    probability: float = Field(1.0, gt=0, le=1, description="Chance that a match fires.")
    seed: int = Field(0, description="Seed for the probability draws.")

    @field_validator("path")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"not a regular expression: {error}") from None
        return value

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, value: str | None) -> str | None:
        if value is not None and value not in ("kakaclo", "shopline", "woocommerce"):
            raise ValueError("use kakaclo, shopline or woocommerce")
        return value


@dataclass
class ActiveFault:
    id: int
    rule: FaultRule
    remaining: int | None
    fired: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.rule.model_dump(),
            "remaining": self.remaining,
            "fired": self.fired,
        }


class Faults:
    def __init__(self) -> None:
        self._rules: list[ActiveFault] = []
        self._next = 1
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> ActiveFault:
        with self._lock:
            fault = ActiveFault(self._next, rule, rule.times, rng=random.Random(rule.seed))
            self._next += 1
            self._rules.append(fault)
            return fault

    def all(self) -> list[ActiveFault]:
        with self._lock:
            return list(self._rules)

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [f for f in self._rules if f.id != fault_id]
            return len(self._rules) < before

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def pick(self, method: str, path: str, platform: str) -> ActiveFault | None:
        """The first rule that matches and fires; counts it against its `times`."""
        with self._lock:
            for fault in self._rules:
                rule = fault.rule
                if rule.method and rule.method.upper() != method:
                    continue
                if rule.platform and rule.platform != platform:
                    continue
                if rule.path and not re.search(rule.path, path):
                    continue
                if fault.rng.random() >= rule.probability:
                    continue
                fault.fired += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._rules.remove(fault)
                return fault
        return None
