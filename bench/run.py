"""Benchmark mockrefund against WireMock, a bare ASGI app and the floor of a stateful app
on the same stack (bench/floor_app.py), in one run on one machine.

    python bench/run.py [--orders N] [--duration S] [--out bench/RESULTS.md]

Needs wrk, Java and the WireMock jar (it says how to install what is missing). Writes
bench/RESULTS.md; see bench/README.md for what is measured and how.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from functools import partial
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import data
import loader
import report
import servers
import topologies
from sandboxes import time_sandboxes
from statements import count_statements

BENCH = Path(__file__).resolve().parent
WRITES = ("kakaclo_create", "shopline_create")
# The request that tells a server is up: any answer counts (order 0 need not exist).
QUERY = data.REQUESTS["kakaclo_query"]
PROBE = QUERY._replace(path=data.fill(QUERY.path, 0))
INSTALL = {
    "wrk": "apt-get install -y wrk",
    "java": "apt-get install -y openjdk-17-jre-headless",
    "WireMock": "npm install --prefix bench/.wiremock wiremock",
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tools() -> tuple[str, str, Path]:
    """wrk, java and the WireMock jar; or say how to install what is missing, and stop."""
    wrk, java = shutil.which("wrk"), shutil.which("java")
    jars = sorted(servers.WIREMOCK_JARS.glob("wiremock-standalone-*.jar"))
    found = {"wrk": wrk, "java": java, "WireMock": jars[-1] if jars else None}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        lines = [f"  {name}: {INSTALL[name]}" for name in missing]
        sys.exit("missing, install from the repository root with:\n" + "\n".join(lines))
    return wrk, java, jars[-1]


def load(
    wrk: str, server: servers.Server, kind: str, connections: int, seconds: float,
    first: int, count: int,
) -> dict:  # fmt: skip
    """One wrk run of request `kind` over orders first .. first+count-1; its JSON line."""
    return loader.load(wrk, server.url, kind, connections, seconds, first, count)


def capture(server: servers.Server, i: int) -> list[dict]:
    """Send each measured request once for generated order `i` and keep the answer, so
    the peers can serve the same bytes on the same paths."""
    answers = []
    for request in data.REQUESTS.values():
        body = data.fill(request.body, i).encode() if request.body else None
        sent = urllib.request.Request(
            server.url + data.fill(request.path, i), body, request.headers, method=request.method
        )
        try:
            with urllib.request.urlopen(sent) as response:
                status, headers, text = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, text = error.code, error.headers, error.read()
        if status != 200:
            sys.exit(f"capture: {request.method} {request.path} for order {i} answered {status}")
        kept = {name: headers[name] for name in ("content-type", "traceid") if name in headers}
        answers.append(
            {"method": request.method, "path": servers.path_regex(request.path),
             "status": status, "headers": kept, "body": text.decode()}
        )  # fmt: skip
    return answers


def measure_load(args, wrk: str, java: str, jar: Path, tmp: Path, fixtures: Path) -> dict:
    """Throughput, latency and peak memory of the four servers, each request kind run on
    each server in turn so that a drift of the machine's speed hits all of them alike."""
    log("starting mockrefund on the realistic set (it seeds the database first)")
    mock = servers.mockrefund(tmp / "realistic.db", fixtures)
    figures = {"seed_realistic_s": mock.first_answer(PROBE)}
    # The last generated order answers the capture; the load leaves it alone.
    pool = args.orders - 1
    canned, root = servers.write_canned(capture(mock, pool), tmp)
    peers = [
        mock,
        servers.wiremock(java, jar, root),
        servers.bare(canned),
        servers.floor(args.orders, tmp / "floor.db"),
    ]
    try:
        for peer in peers[1:]:
            peer.first_answer(PROBE, limit=1800)
        runs: dict = {}
        for kind in data.REQUESTS:
            for server in peers:
                log(f"{kind} on {server.name}")
                runs.setdefault(kind, {})[server.name] = load_kind(args, wrk, server, kind, pool)
        figures["load"] = runs
        figures["rss_mib"] = {server.name: server.peak_rss_mib() for server in peers}
    finally:
        for server in peers:
            server.stop()
    figures["canned"], figures["wiremock_root"] = canned, root
    return figures


def load_kind(args, wrk: str, server: servers.Server, kind: str, pool: int) -> dict:
    """Warm-up, 32 connections, then 1 connection. Creates take each order once: every
    run starts where the one before stopped; reads spread over all the orders."""
    used, results = 0, {}
    for name, connections, seconds in (
        ("warm-up", 32, args.warmup),
        ("c32", 32, args.duration),
        ("c1", 1, args.latency_duration),
    ):
        first = used % pool if kind in WRITES else 0
        idle = server.wait_idle()
        results[name] = load(wrk, server, kind, connections, seconds, first, pool - first)
        results[name]["idle_wait_s"] = idle
        # wrk may send a request per connection past the count it reports.
        used += results[name]["requests"] + connections
        results[name]["wrapped"] = kind in WRITES and used > pool
    return results


def measure_startup(args, java: str, jar: Path, tmp: Path, canned: Path, root: Path) -> dict:
    """Process start to first answer: mockrefund on the default fixtures with a new
    database (a CI run's start), WireMock with the stubs, the bare app; interleaved."""
    times: dict[str, list[float]] = {}
    for run in range(args.startup_runs):
        log(f"startup run {run + 1} of {args.startup_runs}")
        # One at a time: a Server starts its process as it is made.
        for start in (
            partial(servers.mockrefund, tmp / f"startup{run}.db"),
            partial(servers.wiremock, java, jar, root),
            partial(servers.bare, canned),
        ):
            server = start()
            times.setdefault(server.name, []).append(server.first_answer(PROBE))
            server.stop()
    return {name: statistics.median(values) for name, values in times.items()}


def measure_sandboxes(args, tmp: Path) -> dict:
    """Sandbox create and reset over HTTP on the default fixtures (bench/sandboxes.py)."""
    log(f"sandboxes: {args.sandbox_runs} creates and resets")
    server = servers.mockrefund(tmp / "sandboxes.db")
    try:
        server.first_answer(PROBE)
        with httpx.Client(base_url=server.url, timeout=30) as http:
            creates, resets = time_sandboxes(http, args.sandbox_runs)
    finally:
        server.stop()
    return {"create_ms": statistics.median(creates), "reset_ms": statistics.median(resets)}


def measure_growth(args, wrk: str, tmp: Path, sets: dict[str, tuple[int, Path]]) -> dict:
    """Per store size: seeding a new database and the peak memory it took, a restart on
    the seeded database, then Kakaclo query and create latency at 1 connection."""
    figures = {}
    for name, (orders, fixtures) in sets.items():
        log(f"growth: {orders} orders per platform (seeding)")
        db = tmp / f"{name}.db"
        # The read cache off: what grows, if anything, is the database's work.
        server = servers.mockrefund(db, fixtures, read_cache=False)
        try:
            seed_s = server.first_answer(PROBE, limit=1800)
            # Read at once: the peak so far is the seeding's (and one answer's).
            figures[name] = {"orders": orders, "seed_s": seed_s, "seed_mib": server.peak_rss_mib()}
        finally:
            server.stop()
        log(f"growth: {orders} orders per platform (restart)")
        server = servers.mockrefund(db, fixtures, read_cache=False)
        try:
            figures[name]["restart_s"] = server.first_answer(PROBE, limit=1800)
            # The warm-up uses the last 100 orders, the measure the others: a create
            # measured is a first refund of its order, as in the main table.
            kept = orders - 100
            for kind in report.LATENCY_KINDS:
                run = one_connection(args, wrk, server, kind, (kept, 100), (0, kept))
                figures[name][kind] = run
        finally:
            server.stop()
    return figures


def measure_history(args, wrk: str, tmp: Path, fixtures: Path) -> dict:
    """Kakaclo query and create latency at 1 connection, in one store with the read cache
    off: on orders with 1 earlier refund each (a create takes each order once) and on
    one order with --history earlier refunds (all its creates on it)."""
    log(f"history: {args.orders} orders with 1 refund and one with {args.history} (seeding)")
    server = servers.mockrefund(tmp / "history.db", fixtures, read_cache=False)
    try:
        figures: dict = {"refunds": args.history, "seed_s": server.first_answer(PROBE, limit=1800)}
        kept, many = args.orders - 100, (args.orders, 1)  # the order with history: data.py
        for kind in report.LATENCY_KINDS:
            figures[kind] = {
                "few": one_connection(args, wrk, server, kind, (kept, 100), (0, kept)),
                "many": one_connection(args, wrk, server, kind, many, many),
            }
    finally:
        server.stop()
    return figures


def one_connection(
    args, wrk: str, server: servers.Server, kind: str, warm: tuple[int, int],
    measured: tuple[int, int],
) -> dict:  # fmt: skip
    """A 1 s warm-up over orders `warm`, then the measure at 1 connection over orders
    `measured` (each a first and a count). Creates spread over orders are flagged when
    they took an order twice."""
    load(wrk, server, kind, 1, 1, *warm)
    result = load(wrk, server, kind, 1, args.latency_duration, *measured)
    spread = measured[1] > 1
    result["wrapped"] = kind in WRITES and spread and result["used"] > measured[1]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    option = parser.add_argument
    # Enough that the creates of one run (warm-up, 32 and 1 connections) each take an
    # order no earlier create took.
    option("--orders", type=int, default=10_000, help="generated orders per platform")
    option("--duration", type=float, default=10, help="seconds of each 32-connection run")
    option("--latency-duration", type=float, default=5, help="seconds of each 1-connection run")
    option("--warmup", type=float, default=2, help="seconds of load before each measure")
    option("--startup-runs", type=int, default=5)
    option("--sandbox-runs", type=int, default=100)
    option("--small", type=int, default=1_000, help="orders per platform, small growth set")
    option("--big", type=int, default=100_000, help="orders per platform, big growth set")
    option("--history", type=int, default=10_000, help="earlier refunds of the history order")
    option("--out", type=Path, default=BENCH / "RESULTS.md")
    topologies.options(parser)
    args = parser.parse_args()
    wrk, java, jar = tools()
    began = time.perf_counter()
    figures: dict = {"args": args, "machine": report.machine(java, wrk, jar)}
    figures["load_before"] = os.getloadavg()[0]
    log("statements per request (in-process)")
    figures["statements"] = count_statements()
    with tempfile.TemporaryDirectory(prefix="mockrefund-bench-") as folder:
        tmp = Path(folder)
        log(f"writing fixtures: {args.orders}, {args.small} and {args.big} orders per platform")
        realistic = data.write_fixtures(tmp / "realistic", args.orders)
        small = data.write_fixtures(tmp / "small", args.small)
        big = data.write_fixtures(tmp / "big", args.big)
        # As many orders as the main table, so the creates spread over them never wrap.
        history = data.write_fixtures(tmp / "history", args.orders, ("kakaclo",), args.history)
        figures |= measure_load(args, wrk, java, jar, tmp, realistic)
        figures["startup"] = measure_startup(
            args, java, jar, tmp, figures["canned"], figures["wiremock_root"]
        )
        figures["sandboxes"] = measure_sandboxes(args, tmp)
        figures["topologies"] = topologies.measure_topologies(args, wrk, tmp, realistic)
        sets = {"small": (args.small, small), "big": (args.big, big)}
        figures["growth"] = measure_growth(args, wrk, tmp, sets)
        figures["history"] = measure_history(args, wrk, tmp, history)
    figures["total_s"] = time.perf_counter() - began
    figures["load_after"] = os.getloadavg()[0]
    args.out.write_text(report.render(figures))
    log(f"done in {figures['total_s']:.0f} s; wrote {args.out}")


if __name__ == "__main__":
    main()
