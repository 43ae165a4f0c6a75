"""Small text helpers shared by the wire layers."""

from collections.abc import Iterable
from datetime import datetime

from pydantic import ValidationError


def is_digits(text: str) -> bool:
    """ASCII digits only: `str.isdigit` also accepts '²' and other digits `int` refuses."""
    return text.isascii() and text.isdigit()


def field_path(location: Iterable[object]) -> str:
    """A validation error's location as people write it: `items[0].quantity`."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def first_problem(error: ValidationError) -> str:
    """The first problem of a body that failed validation: `orderItems[0].quantity: ...`."""
    first = error.errors()[0]
    return f"{field_path(first['loc']) or 'body'}: {first['msg']}"


def utc_z(moment: datetime | None) -> str | None:
    """`2015-01-26T19:29:32Z`: how Kakaclo and WooCommerce write times."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")
