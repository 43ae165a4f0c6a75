"""The only source of "now".

Each sandbox has a mock clock: it runs with the wall clock, faster or slower by a scale
(60 = one mock hour per wall minute), or stands frozen; it can be set or advanced. The
state is an anchor pair (a wall instant and the mock instant it maps to) plus the scale,
so any process that reads the same state computes the same mock time.

Core code never reads the wall clock; it is handed `now` from here. The one other
reader of real time is WooCommerce's OAuth check, because clients sign with real time.
"""

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta


def wall_now() -> datetime:
    return to_millisecond(datetime.now(UTC))


def to_millisecond(moment: datetime) -> datetime:
    """Times are stored to the millisecond; cutting here keeps what is read back equal."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def monotonic() -> float:
    """Seconds on a clock that never jumps; for timeouts."""
    return time.monotonic()


def epoch_seconds() -> float:
    """Wall seconds since the epoch, for what servers share (rate limits): a monotonic
    clock is each machine's own."""
    return time.time()


@dataclass(frozen=True, slots=True)
class ClockState:
    anchor_wall: datetime
    anchor_mock: datetime
    scale: float = 1.0
    frozen: bool = False

    @classmethod
    def start(
        cls,
        wall: datetime,
        at: datetime | None = None,
        scale: float = 1.0,
        frozen: bool = False,
    ) -> "ClockState":
        return cls(anchor_wall=wall, anchor_mock=at or wall, scale=scale, frozen=frozen)

    def now(self, wall: datetime) -> datetime:
        if self.frozen:
            return self.anchor_mock
        return to_millisecond(self.anchor_mock + (wall - self.anchor_wall) * self.scale)

    def _rebased(self, wall: datetime) -> "ClockState":
        """Same mock time, anchored at this wall instant (before changing scale or mode)."""
        return replace(self, anchor_wall=wall, anchor_mock=self.now(wall))

    def advanced(self, wall: datetime, seconds: float) -> "ClockState":
        if seconds < 0:
            raise ValueError("the clock only moves forward; use set to go back")
        state = self._rebased(wall)
        moved = state.anchor_mock + timedelta(seconds=seconds)
        return replace(state, anchor_mock=to_millisecond(moved))

    def set_to(self, wall: datetime, moment: datetime) -> "ClockState":
        return replace(self, anchor_wall=wall, anchor_mock=to_millisecond(moment))

    def frozen_at(self, wall: datetime) -> "ClockState":
        return replace(self._rebased(wall), frozen=True)

    def resumed(self, wall: datetime) -> "ClockState":
        return replace(self._rebased(wall), frozen=False)

    def scaled(self, wall: datetime, scale: float) -> "ClockState":
        if scale <= 0:
            raise ValueError("the time scale must be positive; freeze the clock to stop it")
        return replace(self._rebased(wall), scale=scale)
