"""A journal entry as the journal page shows it: bodies laid out, the fault named."""

import json
from typing import Any

from mockrefund.controls.journal import Entry


def readable(body: str) -> str:
    """A JSON body indented (it arrives on one line); any other body as it is."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):  # not JSON, or nested past what json reads
        return body


def entry_view(entry: Entry, curl: str, rule: dict[str, Any] | None) -> dict[str, Any]:
    """`rule`: the fault rule that answered, while it is still in force (a used-up rule
    is gone; its id stays)."""
    return {
        "id": entry.id,
        "at": entry.at,
        "platform": entry.platform,
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "status": entry.status,
        "duration_ms": entry.duration_ms,
        "fault": entry.fault,
        "rule": _rule_text(rule) if rule else "",
        "nearest_routes": entry.nearest_routes,
        "request_headers": entry.request_headers,
        "request_body": readable(entry.request_body),
        "response_headers": entry.response_headers,
        "response_body": readable(entry.response_body),
        "curl": curl,
    }


def _rule_text(rule: dict[str, Any]) -> str:
    """The rule's settings that are not defaults, e.g. `status=503 path=/refund times=1`."""
    shown = ("method", "path", "platform", "status", "latency_ms", "drop", "times",
             "probability")  # fmt: skip
    defaults = {"latency_ms": 0, "drop": False, "probability": 1.0}
    return " ".join(
        f"{name}={rule[name]}"
        for name in shown
        if rule.get(name) is not None and rule.get(name) != defaults.get(name)
    )
