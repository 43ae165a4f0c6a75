"""The dashboard's templates, autoescaped, and the filters they use."""

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def moment(value: datetime | None) -> str:
    """A time as people read it, to the second (mock times are UTC)."""
    if value is None:
        return "-"
    return value.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


def duration(value: timedelta) -> str:
    """An age or a wait, in its two largest units."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (seconds, "s")]
    shown = [f"{n} {unit}" for n, unit in parts if n][:2]
    return sign + (" ".join(shown) if shown else "0 s")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every page shows what callers sent: nothing goes in unescaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["moment"] = moment
    env.filters["duration"] = duration
    return env


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
