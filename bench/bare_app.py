"""The floor of mockrefund's stack: raw ASGI on the same uvicorn, answering canned bytes.

    BENCH_CANNED=answers.json uvicorn --app-dir bench bare_app:app

answers.json is the list bench/run.py writes: method, path regex, status, headers and
body of what mockrefund answered. No framework, no database: what is left is uvicorn,
uvloop and httptools, so mockrefund can be no faster than this.
"""

import json
import os
import re

with open(os.environ["BENCH_CANNED"]) as file:
    ROUTES = [
        (
            answer["method"],
            re.compile(answer["path"]),
            answer["status"],
            [(k.lower().encode(), v.encode()) for k, v in answer["headers"].items()],
            answer["body"].encode(),
        )
        for answer in json.load(file)
    ]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return  # lifespan: nothing to set up
    # Read the whole body, as a real handler would, before answering.
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    status, headers, body = find(scope["method"], scope["path"])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def find(method: str, path: str) -> tuple[int, list, bytes]:
    for route_method, pattern, status, headers, body in ROUTES:
        if method == route_method and pattern.fullmatch(path):
            return status, headers, body
    return 404, [], b""
