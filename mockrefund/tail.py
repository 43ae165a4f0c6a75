"""`mockrefund tail`: a journal stream read as it comes, one line per request.

The stream is Server-Sent Events (see `admin.requests_stream`). A connection that drops
(the server restarted, a proxy timed out) is made again with `Last-Event-ID`, so no
request is missed or shown twice; a sandbox that is deleted ends the tail.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

# Seconds before a dropped connection is made again (unless the server said otherwise).
RECONNECT_SECONDS = 1.0
# A connection with no byte for this long is taken for dropped (the server sends a
# comment every 15 seconds).
SILENCE_SECONDS = 45.0


class TailProblem(Exception):
    """Why the tail cannot go on, in a line."""


class SandboxGone(Exception):
    """The sandbox followed was deleted."""


@dataclass
class Event:
    id: str | None
    kind: str
    data: str


def parse(lines: Iterator[str]) -> Iterator[Event | int]:
    """Events from the lines of a stream, and each `retry:` (milliseconds) as an int."""
    fields: dict[str, str] = {}
    data: list[str] = []
    for line in lines:
        if not line:
            if data or "event" in fields:
                yield Event(fields.get("id"), fields.get("event", "message"), "\n".join(data))
            fields, data = {}, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "retry" and value.isdigit():
            yield int(value)
        else:
            fields[name] = value


def follow(
    url: str,
    headers: Mapping[str, str],
    params: Mapping[str, Any],
    on_connect: Callable[[bool], None] = lambda again: None,
) -> Iterator[dict[str, Any]]:
    """Each entry of the stream at `url`, for as long as it lasts; reconnects after a
    drop. `on_connect(again)` is told each time the stream is open."""
    last_id: str | None = None
    delay = RECONNECT_SECONDS
    connected_before = False
    timeout = httpx.Timeout(10.0, read=SILENCE_SECONDS)
    with httpx.Client(timeout=timeout) as client:
        while True:
            sent = dict(headers)
            if last_id is not None:
                sent["Last-Event-ID"] = last_id
            try:
                with client.stream("GET", url, headers=sent, params=dict(params)) as response:
                    _check(response, url, connected_before)
                    on_connect(connected_before)
                    connected_before = True
                    for item in parse(response.iter_lines()):
                        if isinstance(item, int):
                            delay = item / 1000
                        elif item.kind == "end":
                            raise SandboxGone()
                        elif item.kind == "request":
                            last_id = item.id or last_id
                            yield json.loads(item.data)
            except httpx.TransportError as error:
                if not connected_before:
                    raise TailProblem(
                        f"no mockrefund server answers at {url} ({error}); start one with "
                        "`mockrefund serve`"
                    ) from None
            time.sleep(delay)  # then again, from the last entry seen


def _check(response: httpx.Response, url: str, connected_before: bool) -> None:
    if response.status_code == 200:
        return
    response.read()
    try:
        message = str(response.json().get("error", response.text))
    except ValueError:
        message = response.text.strip()[:300]
    if response.status_code == 404 and connected_before:
        raise SandboxGone()
    raise TailProblem(f"the server at {url} answered {response.status_code}: {message}")


def line(entry: Mapping[str, Any]) -> str:
    """`HH:MM:SS.mmm [sandbox] METHOD path?query STATUS N ms [fault F]`, time in UTC."""
    at = datetime.fromisoformat(str(entry["at"]).replace("Z", "+00:00"))
    parts = [at.strftime("%H:%M:%S.") + f"{at.microsecond // 1000:03d}"]
    if "sandbox" in entry:
        parts.append(str(entry["sandbox"]))
    path = str(entry["path"]) + (f"?{entry['query']}" if entry.get("query") else "")
    parts += [f"{entry['method']:<6}", path, str(entry["status"]), f"{entry['duration_ms']:.1f} ms"]
    if entry.get("fault") is not None:
        parts.append(f"fault {entry['fault']}")
    return " ".join(parts)
