"""JSON out, exactly as a platform writes it.

The standard encoder cannot write a Decimal as a number, and floats lose trailing zeros
(Kakaclo writes `22.2100`). Here a `Decimal` is written as a number, digit for digit,
and money that a platform writes as text is simply passed as `str`.
"""

import json
from decimal import Decimal
from typing import Any

_encode_str = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]


def dumps(value: Any) -> bytes:
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts).encode("ascii")


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(_encode_str(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written as JSON")
        out.append(_decimal_text(value))
    elif isinstance(value, float):
        out.append(json.dumps(value))
    elif isinstance(value, dict):
        out.append("{")
        first = True
        for key, item in value.items():
            if not first:
                out.append(",")
            first = False
            out.append(_encode_str(str(key)))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _decimal_text(value: Decimal) -> str:
    # Plain notation ('22.2100', never '2.221E+1'), keeping the exponent's zeros.
    return format(value, "f")
