"""What SHOPLINE's official Go SDK decodes, as JSON Schemas (draft 2020-12), one per answer
and API version; see docs/shopline.md for where each one's facts come from.

`validate` lists every place where an answer breaks its schema. It runs on `jsonschema_rs`,
the validator schemathesis brings along, with one keyword of this project: `x-go-type`,
the Go type of a field. Go reads an integer field with `strconv.ParseInt`, which refuses
`1.0` and `1e3`; JSON Schema's `integer` admits `1.0`. A body parsed with Python's `json`
module keeps the difference (`1` is an `int`, `1.0` and `1e3` are `float`s), so the keyword
refuses a float where Go wants an integer.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

HERE = Path(__file__).resolve().parent
VERSIONS = ("v20251201", "v20260301")
RESPONSES = (
    "create_refund",
    "calculate_refund",
    "list_refunds",
    "get_refund",
    "list_orders",
    "error",
)
GO_INTEGERS = frozenset(
    {"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64"}
)


class GoType:
    """The `x-go-type` keyword: a JSON number with a fraction or an exponent is no Go integer."""

    def __init__(self, parent_schema: dict[str, Any], value: Any, schema_path: list[str | int]):
        self.go_type = value
        self.integer = value in GO_INTEGERS

    def validate(self, instance: Any) -> None:
        if self.integer and isinstance(instance, float):
            raise ValueError(
                f"{instance!r} is not an integer literal, which Go's {self.go_type} needs"
            )


def schema_path(version: str, response_name: str) -> Path:
    if version not in VERSIONS or response_name not in RESPONSES:
        raise ValueError(f"no schema for {version} {response_name}")
    return HERE / version / f"{response_name}.schema.json"


@cache
def _validator(version: str, response_name: str) -> jsonschema_rs.Draft202012Validator:
    schema = json.loads(schema_path(version, response_name).read_text(encoding="utf-8"))
    return jsonschema_rs.Draft202012Validator(schema, keywords={"x-go-type": GoType})


def json_path(location: list[str | int]) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location)


def validate(version: str, response_name: str, body: object) -> list[str]:
    """Every violation of the schema, as "json.path: message", each once."""
    found: dict[str, None] = {}
    for error in _validator(version, response_name).iter_errors(body):
        found[f"{json_path(list(error.instance_path))}: {error.message}"] = None
    return list(found)
