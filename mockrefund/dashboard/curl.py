"""A journal entry as a curl command that sends the same request again."""

import shlex

from mockrefund.controls.journal import Entry

# Headers curl writes itself (or that only describe this one connection).
LEFT_TO_CURL = frozenset({"host", "content-length", "connection", "accept-encoding"})


def as_curl(entry: Entry, base_url: str) -> str:
    url = base_url.rstrip("/") + entry.path + (f"?{entry.query}" if entry.query else "")
    words = ["curl"]
    if entry.method != "GET" or entry.request_body:
        words += ["-X", entry.method]
    words.append(url)
    for name, value in entry.request_headers.items():
        if name.lower() not in LEFT_TO_CURL:
            words += ["-H", f"{name}: {value}"]
    if entry.request_body:
        words += ["--data-raw", entry.request_body]
    return " ".join(shlex.quote(word) for word in words)
