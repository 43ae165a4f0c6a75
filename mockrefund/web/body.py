"""Reading a request body as JSON without ever failing with a 500.

Numbers are parsed as Decimal, so money stays exact and `1e309` is a (refusable) number
rather than infinity; depth is bounded, so a body nested 10,000 deep is an error, not
a crash; size is bounded before anything is parsed.
"""

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request

from mockrefund.web.text import is_digits

MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 64
# Far beyond any amount or count, far below what makes validation slow: checking that
# 1e-999999999 or a 500,000-digit fraction is (not) a whole number takes minutes of CPU.
MAX_NUMBER_DIGITS = 1000
MAX_NUMBER_EXPONENT = 1000
# A \uD800-\uDFFF escape: valid JSON, but alone it is no character, and cannot be stored.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class BodyError(ValueError):
    """Why a body could not be read; `too_large` maps to 413, the rest to 400."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and is_digits(declared) and int(declared) > limit:
        raise BodyError("too_large", f"the request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyError("too_large", f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_decimal(text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - json only hands over valid numbers
        raise BodyError("invalid_json", f"{text} is not a number") from None
    if (
        len(number.as_tuple().digits) > MAX_NUMBER_DIGITS
        or abs(number.adjusted()) > MAX_NUMBER_EXPONENT
    ):
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise BodyError("invalid_json", f"the number {shown} is out of range")
    return number


def _reject_constant(name: str) -> Any:
    raise BodyError("invalid_json", f"{name} is not valid JSON")


def parse_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("invalid_utf8", "the request body is not valid UTF-8") from None
    if _depth_exceeds(text, MAX_DEPTH):
        raise BodyError("too_deep", f"the JSON is nested more than {MAX_DEPTH} levels deep")
    try:
        data = json.loads(
            text,
            parse_float=_parse_decimal,
            parse_int=int,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as error:
        raise BodyError(
            "invalid_json", f"the request body is not valid JSON ({error.msg} at {error.pos})"
        ) from None
    except (RecursionError, ValueError) as error:
        if isinstance(error, BodyError):
            raise
        raise BodyError("invalid_json", f"the request body is not valid JSON ({error})") from None
    if _SURROGATE_ESCAPE.search(text) and not _is_text(data):
        raise BodyError("invalid_utf8", "the request body holds an unpaired UTF-16 surrogate")
    return data


def _is_text(value: Any) -> bool:
    """Every string (keys included) is encodable: paired surrogate escapes make one
    character, a lone one makes none."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_is_text(k) and _is_text(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_text(item) for item in value)
    return True


def _depth_exceeds(text: str, limit: int) -> bool:
    """Bracket depth outside strings; a quick scan that keeps the parser from recursing."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def is_json_media(value: str) -> bool:
    return value == "application/json" or (
        value.startswith("application/") and value.endswith("+json")
    )
