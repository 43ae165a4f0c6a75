"""Refunding a line unit by unit gives back exactly the line's money, taxes and discounts
included: the units' shares add up to the line, to the last 0.0001."""

from collections.abc import Iterator
from decimal import Decimal

import pytest

from mockrefund.core.refunds import ItemSelector, LineRequest
from tests.core.world import World, item, order


@pytest.fixture
def world() -> Iterator[World]:
    world = World(
        [
            order("TAX", [item("t1", 3, "10.00", tax="2.00")]),
            order("DISCOUNT", [item("d1", 3, "10.00", discount="1.00")]),
            order("BOTH", [item("b1", 7, "3.33", tax="1.00", discount="0.10")]),
        ]
    )
    yield world
    world.close()


@pytest.mark.parametrize(
    ("order_ref", "item_ref", "units", "line_money"),
    [
        ("TAX", "t1", 3, Decimal("32.00")),
        ("DISCOUNT", "d1", 3, Decimal("29.00")),
        ("BOTH", "b1", 7, Decimal("24.21")),
    ],
)
def test_unit_by_unit_refunds_add_up_to_the_line(
    world: World, order_ref: str, item_ref: str, units: int, line_money: Decimal
) -> None:
    refunded = [
        world.refund(order_ref, lines=[LineRequest(ItemSelector(item_ref), 1)]).refund.amount
        for _ in range(units)
    ]
    assert sum(refunded) == line_money
    # No unit is worth more than a share rounded up, nor less than one rounded down.
    assert max(refunded) - min(refunded) <= Decimal("0.0001")


def test_one_refund_of_every_unit_is_worth_the_line_too(world: World) -> None:
    refund = world.refund("TAX", lines=[LineRequest(ItemSelector("t1"), 3)])
    assert refund.refund.amount == Decimal("32.00")


def test_two_units_in_one_request_count_as_consecutive(world: World) -> None:
    first = world.refund(
        "TAX",
        lines=[LineRequest(ItemSelector("t1"), 1), LineRequest(ItemSelector("t1"), 1)],
    )
    last = world.refund("TAX", lines=[LineRequest(ItemSelector("t1"), 1)])
    assert first.refund.amount + last.refund.amount == Decimal("32.00")
