"""Writers in parallel threads, each with its own connection to one SQLite file."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mockrefund.core import errors
from mockrefund.core.refunds import ItemSelector, LineRequest
from tests.core.world import World, item, order


def test_64_parallel_refunds_never_take_more_units_than_there_are(tmp_path: Path) -> None:
    world = World([order("A", [item("a1", 10)])], db=str(tmp_path / "race.db"))

    def take_one(_: int) -> str:
        try:
            world.refund("A", lines=[LineRequest(ItemSelector("a1"), 1)])
            return "granted"
        except errors.QuantityExceedsRefundable:
            return "refused"

    try:
        with ThreadPoolExecutor(max_workers=64) as pool:
            outcomes = list(pool.map(take_one, range(64)))
        assert outcomes.count("granted") == 10
        assert outcomes.count("refused") == 54
        state = world.state("A")
        assert state.lines[0].refunding == 10
        assert len({r.refund.ref for r in state.refunds}) == 10
    finally:
        world.close()
