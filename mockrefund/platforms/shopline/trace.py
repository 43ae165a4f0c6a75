"""SHOPLINE answers every request, errors included, with a `traceId` header."""

import uuid
from collections.abc import Mapping
from typing import Any

from mockrefund.web.responses import WireJSON

TRACE_HEADER = "traceId"


def new_trace_id() -> str:
    return uuid.uuid4().hex


def reply(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> WireJSON:
    """A JSON response with a fresh trace id, for success and error alike."""
    return WireJSON(content, status, {**(headers or {}), TRACE_HEADER: new_trace_id()})
