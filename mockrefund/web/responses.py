"""A response whose body is written by `jsonwire`, with the platform's content type."""

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from mockrefund.web import jsonwire


class WireJSON(Response):
    media_type = "application/json"

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        super().__init__(content, status_code, headers, media_type)

    def render(self, content: Any) -> bytes:
        return jsonwire.dumps(content)
