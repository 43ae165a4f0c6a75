from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mockrefund.core.columns import from_millis, to_millis
from mockrefund.core.money import fmt2, fmt4, from_units, to_units
from mockrefund.web import jsonwire


def test_units_round_trip_exactly() -> None:
    for text in ["0", "0.0001", "21.99", "12345678901.2345"]:
        assert from_units(to_units(Decimal(text))) == Decimal(text)


def test_more_precision_than_the_store_keeps_is_refused() -> None:
    with pytest.raises(ValueError, match="4 decimal"):
        to_units(Decimal("0.00001"))


def test_platform_formats() -> None:
    assert fmt2(Decimal("10")) == "10.00"
    assert fmt2(Decimal("0.005")) == "0.01"
    assert str(fmt4(Decimal("22.21"))) == "22.2100"


def test_json_writes_decimals_digit_for_digit() -> None:
    body = {"a": Decimal("22.2100"), "b": [1, "x\u00e9", None, True], "c": Decimal("1E+2")}
    assert jsonwire.dumps(body) == b'{"a":22.2100,"b":[1,"x\\u00e9",null,true],"c":100}'
    with pytest.raises(ValueError, match="JSON"):
        jsonwire.dumps(Decimal("Infinity"))


def test_millisecond_timestamps_are_exact() -> None:
    moment = datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC)
    assert from_millis(to_millis(moment)) == moment
