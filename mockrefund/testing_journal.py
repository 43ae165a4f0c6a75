"""What the pytest plugin shows of a failing test: its sandbox's journal, trimmed.

The newest entries, each as the request line, its headers (those that carry secrets
masked) and body, and the answer's status and body, bodies cut short: enough to see
what the code under test sent and what it got, small enough to read in a report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockrefund.client import Sandbox

SECTION = "mockrefund journal"
DEFAULT_ENTRIES = 20
# Characters of a body shown; the rest is said in a count.
BODY_SHOWN = 500
MASK = "***"
# Headers and query parameters whose values are credentials (Kakaclo's and SHOPLINE's
# bearer tokens, WooCommerce's consumer keys and OAuth signatures, cookies, ...).
SECRET_NAME = re.compile(r"authorization|cookie|token|secret|signature|password|key", re.I)
# What every client sends and nobody reads in a failure.
DULL_HEADERS = frozenset(
    {"host", "accept", "accept-encoding", "connection", "user-agent", "content-length"}
)


def report(sandbox: Sandbox, entries: int) -> str:
    """The section's text: the newest `entries` of the sandbox's journal."""
    from mockrefund.client import MockrefundError

    try:
        total = sandbox.count_requests()
        shown = sandbox.requests(limit=entries) if total else []
    except MockrefundError as error:
        return f"sandbox {sandbox.id}: the journal could not be read ({error})"
    if not shown:
        return f"sandbox {sandbox.id}: no request reached it"
    head = f"sandbox {sandbox.id}: "
    head += (
        f"the last {len(shown)} of {total} requests"
        if total > len(shown)
        else f"{total} request{'' if total == 1 else 's'}"
    )
    return "\n\n".join([head, *(describe(entry) for entry in shown)])


def describe(entry: Mapping[str, Any]) -> str:
    query = masked_query(str(entry.get("query") or ""))
    first = f"#{entry['id']} {entry['at']} {entry['method']} {entry['path']}"
    first += f"?{query}" if query else ""
    lines = [first]
    for name, value in dict(entry.get("request_headers") or {}).items():
        if name.lower() not in DULL_HEADERS:
            lines.append(f"> {name}: {masked(name, str(value))}")
    if entry.get("request_body"):
        lines.append(f"> {cut(str(entry['request_body']))}")
    answer = f"< {entry['status']} in {entry['duration_ms']} ms"
    if entry.get("fault") is not None:
        answer += f", answered by fault rule {entry['fault']}"
    lines.append(answer)
    if entry.get("response_body"):
        lines.append(f"< {cut(str(entry['response_body']))}")
    return "\n".join(lines)


def masked(name: str, value: str) -> str:
    """A secret's value hidden; an `Authorization` header keeps its scheme."""
    if not SECRET_NAME.search(name):
        return value
    scheme, space, _ = value.partition(" ")
    if name.lower() == "authorization" and space:
        return f"{scheme} {MASK}"
    return MASK


def masked_query(query: str) -> str:
    parts = []
    for part in query.split("&") if query else []:
        name, equals, _ = part.partition("=")
        parts.append(f"{name}={MASK}" if equals and SECRET_NAME.search(name) else part)
    return "&".join(parts)


def cut(body: str) -> str:
    body = body.replace("\r", "").replace("\n", " ")
    if len(body) <= BODY_SHOWN:
        return body
    return f"{body[:BODY_SHOWN]}… ({len(body) - BODY_SHOWN} more characters)"
