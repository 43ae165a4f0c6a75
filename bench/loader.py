"""Put load on servers with wrk and bench/load.lua, and read what it measured.

`load` runs one wrk against one URL. `load_spread` runs one wrk per URL at the same time,
the connections and the orders split between them, and adds their figures up: how the
benchmark loads several replicas without a balancer in front (whose own cost would be
measured too).
"""

import json
import subprocess
from pathlib import Path

import data

BENCH = Path(__file__).resolve().parent


def command(
    wrk: str, url: str, kind: str, connections: int, seconds: float, first: int, count: int,
    threads: int, shared: tuple[int, int] | None = None,
) -> list[str]:  # fmt: skip
    """wrk's command line for request `kind` over orders first .. first+count-1.
    `shared`: (this wrk's first thread, all threads) when several wrk's share the orders."""
    offset, total = shared or (0, threads)
    request = data.REQUESTS[kind]
    headers = [arg for item in request.headers.items() for arg in ("-H", ": ".join(item))]
    return [
        wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
        "--latency", *headers, "-s", str(BENCH / "load.lua"), url, "--",
        request.method, request.path, request.body or "-", str(first), str(count), str(total),
        str(offset),
    ]  # fmt: skip


def result(output: str) -> dict:
    """The JSON line load.lua prints at the end, with the requests per second."""
    figures = json.loads(output.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def load(
    wrk: str, url: str, kind: str, connections: int, seconds: float, first: int, count: int
) -> dict:
    """One wrk run on one URL (2 threads, or 1 for a single connection). `used`: how far
    into the orders it got (wrk may send a request per connection past its count)."""
    line = command(wrk, url, kind, connections, seconds, first, count, min(2, connections))
    figures = result(subprocess.run(line, capture_output=True, text=True, check=True).stdout)
    figures["used"] = figures["requests"] + connections
    return figures


def load_spread(
    wrk: str, urls: list[str], kind: str, connections: int, seconds: float, first: int,
    count: int,
) -> dict:  # fmt: skip
    """One wrk per URL at the same time, one thread each, with its share of the
    connections; the orders are dealt out in turn (wrk n takes every len(urls)-th from
    first + n). Requests, statuses and requests per second are added up; the latency
    percentiles are the worst of the parts."""
    share = connections // len(urls)
    shared = [(n, len(urls)) for n in range(len(urls))]
    running = [
        subprocess.Popen(
            command(wrk, url, kind, share, seconds, first, count, 1, shared[n]),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, url in enumerate(urls)
    ]
    parts = []
    for process in running:
        output, errors = process.communicate()
        if process.returncode:
            raise RuntimeError(f"wrk failed: {errors.strip()}")
        parts.append(result(output))
    statuses: dict[str, int] = {}
    for part in parts:
        for status, number in part["statuses"].items():
            statuses[status] = statuses.get(status, 0) + number
    return {
        "requests": sum(part["requests"] for part in parts),
        "duration_us": max(part["duration_us"] for part in parts),
        "rps": sum(part["rps"] for part in parts),
        "p50_us": max(part["p50_us"] for part in parts),
        "p99_us": max(part["p99_us"] for part in parts),
        "statuses": statuses,
        "socket_errors": sum(part["socket_errors"] for part in parts),
        "parts": [part["rps"] for part in parts],
        # The busiest wrk sets how far into the orders they all got.
        "used": len(urls) * max(part["requests"] + share for part in parts),
    }
