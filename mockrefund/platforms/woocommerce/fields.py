"""`fields=id,amount,line_items.id`: the legacy API's trimming of a response object."""

from typing import Any


def filter_fields(data: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """Keep the named top-level fields; a `name.sub` keeps `name`, trimmed to its sub-fields.

    As in WooCommerce, sub-field names are pooled: `line_items.id` keeps `id` in every
    trimmed field, not only in `line_items`.
    """
    if not fields:
        return data
    names = [name.strip() for name in fields.split(",") if name.strip()]
    parents: dict[str, str] = {}
    for name in names:
        if "." in name:
            parent, child = name.split(".", 1)
            parents[parent] = child
    kept_children = set(parents.values())
    result: dict[str, Any] = {}
    for key, value in data.items():
        if key in parents and isinstance(value, dict | list):
            result[key] = _trim(value, kept_children)
        elif key in names:
            result[key] = value
    return result


def _trim(value: dict[str, Any] | list[Any], keep: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k in keep}
    return [
        {k: v for k, v in entry.items() if k in keep} if isinstance(entry, dict) else entry
        for entry in value
    ]
