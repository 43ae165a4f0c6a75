"""The query string as PHP reads it: the last value of a name wins, `a[b]` is an array key."""

from urllib.parse import unquote_plus


def parse_query(raw: str) -> dict[str, str]:
    """Flat `name → value`, names kept as sent (`filter[limit]`), the last value winning."""
    params: dict[str, str] = {}
    for pair in raw.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        name = unquote_plus(name)
        if not name:
            continue
        params[name] = unquote_plus(value)
    return params


def base_name(name: str) -> str:
    """`filter[limit]` → `filter`: PHP groups array keys under their base name."""
    return name.split("[", 1)[0]


def php_truthy(value: str | None, default: bool = True) -> bool:
    """PHP's truthiness of a request parameter: only "" and "0" are false."""
    if value is None:
        return default
    return value not in ("", "0")
