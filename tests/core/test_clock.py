from datetime import UTC, datetime, timedelta

import pytest

from mockrefund.clock import ClockState

WALL = datetime(2025, 1, 1, tzinfo=UTC)
MOCK = datetime(2030, 6, 1, tzinfo=UTC)


def later(seconds: float) -> datetime:
    return WALL + timedelta(seconds=seconds)


def test_runs_with_the_wall_clock_from_its_anchor() -> None:
    clock = ClockState.start(WALL, at=MOCK)
    assert clock.now(later(30)) == MOCK + timedelta(seconds=30)


def test_scale_speeds_it_up_without_jumping() -> None:
    clock = ClockState.start(WALL, at=MOCK).scaled(later(10), 60)
    assert clock.now(later(10)) == MOCK + timedelta(seconds=10)
    assert clock.now(later(11)) == MOCK + timedelta(seconds=70)


def test_frozen_clock_stands_still_until_advanced_or_resumed() -> None:
    clock = ClockState.start(WALL, at=MOCK).frozen_at(later(5))
    assert clock.now(later(500)) == MOCK + timedelta(seconds=5)
    clock = clock.advanced(later(500), 3600)
    assert clock.now(later(900)) == MOCK + timedelta(seconds=3605)
    resumed = clock.resumed(later(900))
    assert resumed.now(later(901)) == MOCK + timedelta(seconds=3606)


def test_set_moves_it_anywhere() -> None:
    target = datetime(2020, 1, 1, tzinfo=UTC)
    assert ClockState.start(WALL).set_to(later(1), target).now(later(2)) == target + timedelta(
        seconds=1
    )


def test_refuses_to_run_backwards_or_at_zero_speed() -> None:
    clock = ClockState.start(WALL)
    with pytest.raises(ValueError, match="forward"):
        clock.advanced(WALL, -1)
    with pytest.raises(ValueError, match="positive"):
        clock.scaled(WALL, 0)
