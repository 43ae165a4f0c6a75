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


def epoch_seconds() -> float:
    """Wall seconds since the epoch, for what servers share (rate limits): a monotonic
    clock is each machine's own."""
    return time.time()


# The mock clock stays within these: every time it gives, plus the longest delay a refund
# may wait, can be stored and computed (Python's datetimes end with the year 9999).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


class ClockOutOfRange(ValueError):
    def __init__(self, moment: object) -> None:
        super().__init__(
            f"the mock clock must stay between {EARLIEST:%Y-%m-%dT%H:%M:%SZ} and "
            f"{LATEST:%Y-%m-%dT%H:%M:%SZ}; {moment} is outside"
        )


def within_range(moment: datetime) -> datetime:
    """The moment in UTC, if the mock clock may show it; else ClockOutOfRange."""
    try:
        inside = EARLIEST <= moment <= LATEST
    except OverflowError:  # a time zone pushes it past what datetimes hold
        inside = False
    if not inside:
        raise ClockOutOfRange(moment.isoformat())
    return moment.astimezone(UTC)


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
        start = within_range(at) if at is not None else wall
        return cls(anchor_wall=wall, anchor_mock=start, scale=scale, frozen=frozen)

    def now(self, wall: datetime) -> datetime:
        if self.frozen:
            return self.anchor_mock
        try:
            moment = self.anchor_mock + (wall - self.anchor_wall) * self.scale
        except OverflowError:  # a fast clock run for long enough: past every date
            return LATEST
        # A running clock stops at the end of its range rather than fail every request.
        return to_millisecond(min(max(moment, EARLIEST), LATEST))

    def _rebased(self, wall: datetime) -> "ClockState":
        """Same mock time, anchored at this wall instant (before changing scale or mode)."""
        return replace(self, anchor_wall=wall, anchor_mock=self.now(wall))

    def advanced(self, wall: datetime, seconds: float) -> "ClockState":
        if seconds < 0:
            raise ValueError("the clock only moves forward; use set to go back")
        state = self._rebased(wall)
        try:
            moved = state.anchor_mock + timedelta(seconds=seconds)
        except OverflowError:
            raise ClockOutOfRange(f"{state.anchor_mock.isoformat()} + {seconds} s") from None
        return replace(state, anchor_mock=to_millisecond(within_range(moved)))

    def set_to(self, wall: datetime, moment: datetime) -> "ClockState":
        moment = within_range(moment)
        return replace(self, anchor_wall=wall, anchor_mock=to_millisecond(moment))

    def frozen_at(self, wall: datetime) -> "ClockState":
        return replace(self._rebased(wall), frozen=True)

    def resumed(self, wall: datetime) -> "ClockState":
        return replace(self._rebased(wall), frozen=False)

    def scaled(self, wall: datetime, scale: float) -> "ClockState":
        if scale <= 0:
            raise ValueError("the time scale must be positive; freeze the clock to stop it")
        return replace(self._rebased(wall), scale=scale)
