"""When a request matches no emulated route, name the routes it was probably meant for.

Ids in the path are folded to `{}` on both sides, so `/orders/645/refund` is close to
`/orders/{order_id}/refunds`; the closest routes of the platform (by difflib's ratio)
are returned, best first.
"""

import difflib
import re

_PARAM = re.compile(r"\{[^}]+\}")
_ID = re.compile(r"(?<=/)[0-9]+(?=/|$)")


def _shape(route: str) -> str:
    return _ID.sub("{}", _PARAM.sub("{}", route))


def nearest_routes(method: str, path: str, routes: list[str], limit: int = 3) -> list[str]:
    """`routes` are "METHOD /template" strings; the closest to `method path` come first."""
    wanted = _shape(f"{method} {path}")
    shapes: dict[str, list[str]] = {}
    for route in routes:
        shapes.setdefault(_shape(route), []).append(route)
    close = difflib.get_close_matches(wanted, list(shapes), n=limit, cutoff=0.5)
    return [route for shape in close for route in shapes[shape]][:limit]
