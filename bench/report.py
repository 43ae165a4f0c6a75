"""The machine's description and bench/RESULTS.md, from the figures bench/run.py gathered."""

import os
import platform
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import uvicorn
from data import REQUESTS

MOCK, WIREMOCK, BARE, FLOOR = "mockrefund", "WireMock", "bare ASGI", "floor"
LABELS = {
    "kakaclo_query": "(a) Kakaclo query refund",
    "kakaclo_create": "(b) Kakaclo create refund",
    "shopline_create": "(c) SHOPLINE create refund",
    "woocommerce_list": "(d) WooCommerce list refunds",
}
# The calls whose latency the growth and history sections compare.
LATENCY_KINDS = ("kakaclo_query", "kakaclo_create")
# Minimum throughput as a fraction of the floor's (the same work at the least cost).
THROUGHPUT_TARGET = {"kakaclo_query": 0.5, "woocommerce_list": 0.5,
                     "kakaclo_create": 0.5, "shopline_create": 0.5}  # fmt: skip
# Latency at one connection, p99, of a create.
CREATE_P99_MS = 5.0
# The big store: seeding a new database, its peak memory, and a restart on it.
SEED_S, SEED_MB, RESTART_S = 60.0, 500.0, 2.0
# Latency with much more in the store, or on the order, over latency with little.
GROWTH_RATIO = 1.2
# SQL statements per request (BEGINs apart), by the call's last word.
STATEMENTS = {"create": 8, "query": 3}
SANDBOX_STATEMENTS = 15
PLATFORM_NAMES = {"kakaclo": "Kakaclo", "shopline": "SHOPLINE", "woocommerce": "WooCommerce"}
# `serve --workers 2` over one process, both on SQLite (bench/topologies.py's names).
ONE_PROCESS, WORKERS = "one process, SQLite", "--workers 2, SQLite"
WORKERS_RATIO = 1.6
TARGETS_NOTE = Path(__file__).resolve().parent / "targets.md"


def machine(java: str, wrk: str, jar: Path) -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    meminfo = Path("/proc/meminfo").read_text()
    release = Path("/etc/os-release").read_text()
    java_version = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    # wrk -v prints its version and exits 1.
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout
    memory_kib = int(_first(r"MemTotal:\s*(\d+)", meminfo))
    os_name = _first(r'PRETTY_NAME="?([^"\n]+)', release)
    return {
        "CPU": _first(r"model name\s*:\s*(.+)", cpuinfo),
        "cores": str(os.cpu_count()),
        "memory": f"{memory_kib / 1024**2:.1f} GiB",
        "OS": f"{os_name}, Linux {platform.release()}",
        "Python": f"{platform.python_version()}, uvicorn {uvicorn.__version__} (uvloop, httptools)",
        "Java": java_version.splitlines()[0] if java_version else "?",
        "wrk": wrk_version.split(" Copyright")[0].strip(),
        "WireMock": jar.stem.replace("wiremock-standalone-", "standalone "),
        "mockrefund": _revision(),
    }


def _revision() -> str:
    """The commit measured, and whether the package had uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    git = ["git", "-C", str(root)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    changed = subprocess.run(
        [*git, "status", "--porcelain", "--", "mockrefund"], capture_output=True, text=True
    )
    dirty = " with uncommitted changes under mockrefund/" if changed.stdout.strip() else ""
    return f"commit {commit.stdout.strip() or '?'}{dirty}"


def _first(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    return found.group(1).strip() if found else "?"


def render(figures: dict) -> str:
    args = figures["args"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run.py` on {time.strftime('%Y-%m-%d %H:%M %Z')}, "
        f"in {figures['total_s'] / 60:.1f} minutes. Every figure comes from this one run on one "
        "machine; ratios are to the floor's and WireMock's figures in the same run. How it is "
        "measured: "
        "[README.md](README.md).",
        "",
        "## Machine",
        "",
        *(f"- {name}: {value}" for name, value in figures["machine"].items()),
        "- load average (1 min) at the start and at the end of the run: "
        f"{figures['load_before']:.2f}, {figures['load_after']:.2f} (other work on the machine "
        "shows here; the ratios hold because the servers take turns)",
        "",
        "## Settings",
        "",
        f"- Data: the default fixtures plus {args.orders:,} generated orders per platform, "
        "each with a refund already (queries and lists find it; creates refund one unit "
        "more of a different order each time).",
        f"- Throughput: wrk, 32 connections, 2 threads, {args.duration:g} s after a "
        f"{args.warmup:g} s warm-up; latency: 1 connection, {args.latency_duration:g} s. "
        "Each run starts once the server is idle (what the run before left in flight is "
        "answered first).",
        f"- Startup: median of {args.startup_runs} starts; mockrefund on the default fixtures "
        "with a new SQLite file, as in a CI run.",
        f"- Sandboxes: median of {args.sandbox_runs} creates and resets over HTTP, default "
        "fixtures.",
        "- mockrefund runs with its defaults, the read cache on. (a) runs first, on a "
        "quiet store: once an order has been read, reading it again is answered from the "
        "cache. (b) and (c) leave thousands of pending refunds that go on settling by the "
        "clock while (d) runs; each settlement is a write, which empties the cache, so (d) "
        "mostly reads the database.",
        "- WireMock: `java -jar` with `--no-request-journal`, one stub per call answering "
        "mockrefund's own captured bytes; bare ASGI: raw ASGI on uvicorn with uvloop and "
        "httptools, the same bytes; floor: raw ASGI on the same uvicorn with the standard "
        "`sqlite3` module on the same generated orders, doing only the work each call must "
        "do to be right (bench/floor_app.py): a create checks and moves the line's running "
        "total and writes the refund, its line and a journal row in one transaction; a read "
        "is one indexed select.",
        "",
        "## Results",
        "",
        *_main_table(figures),
        "",
        "## Topologies",
        "",
        *topology_table(figures["topologies"], args),
        "",
        "## How cost grows",
        "",
        *_growth_table(figures["growth"]),
        "",
        "## Refunds on one order",
        "",
        *_history_table(figures["history"]),
        "",
        "## SQL statements per request",
        "",
        *_statements_table(figures["statements"]),
        "",
        "## Status mix",
        "",
        "Answers by HTTP status (32 connections / 1 connection). Socket errors and a pool "
        "of orders used up (requests over orders already refunded) are flagged.",
        "",
        *_status_table(figures["load"]),
        "",
        # Kept by hand: where a target is missed, the profile and what was tried.
        TARGETS_NOTE.read_text().rstrip(),
        "",
    ]
    return "\n".join(lines)


def _main_table(figures: dict) -> list[str]:
    rows: list[list[str]] = []

    def row(name: str, values: dict, unit: str, target: str = "", met: bool | None = None):
        cells = [
            f"{_num(values[peer])} {unit}" if peer in values else "n/a"
            for peer in (MOCK, WIREMOCK, BARE, FLOOR)
        ]
        to_floor = _ratio(values[MOCK] / values[FLOOR]) if FLOOR in values else "n/a"
        to_wiremock = _ratio(values[MOCK] / values[WIREMOCK])
        rows.append([name, *cells, to_floor, to_wiremock, target, _met(met)])

    startup = {name: seconds * 1000 for name, seconds in figures["startup"].items()}
    ratio = startup[MOCK] / startup[WIREMOCK]
    row(
        "Start to first answer",
        startup,
        "ms",
        "≤ 0.5x WireMock and ≤ 500 ms",
        ratio <= 0.5 and startup[MOCK] <= 500,
    )
    for kind in REQUESTS:
        runs = figures["load"][kind]
        rps = {name: run["c32"]["rps"] for name, run in runs.items()}
        goal = THROUGHPUT_TARGET[kind]
        row(
            f"{LABELS[kind]}: req/s, 32 conn.",
            rps,
            "",
            f"≥ {goal}x floor",
            rps[MOCK] / rps[FLOOR] >= goal,
        )
        for percentile in ("p50", "p99"):
            latency = {name: run["c1"][f"{percentile}_us"] / 1000 for name, run in runs.items()}
            if percentile == "p99" and kind in ("kakaclo_create", "shopline_create"):
                target = f"≤ {CREATE_P99_MS:g} ms"
                row(f"{LABELS[kind]}: p99, 1 conn.", latency, "ms", target,
                    latency[MOCK] <= CREATE_P99_MS)  # fmt: skip
            else:
                row(f"{LABELS[kind]}: {percentile}, 1 conn.", latency, "ms")
    rss = figures["rss_mib"]
    row("Peak memory (RSS)", rss, "MiB", "≤ 1x WireMock", rss[MOCK] / rss[WIREMOCK] <= 1)
    sandboxes = figures["sandboxes"]
    create, reset = sandboxes["create_ms"], sandboxes["reset_ms"]
    alone = ["n/a"] * 5  # figures no peer has
    seeding = f"Seeding {figures['args'].orders:,} orders per platform (start to first answer)"
    rows += [
        ["Sandbox create, median", f"{create:.1f} ms", *alone, "≤ 10 ms", _met(create <= 10)],
        ["Sandbox reset, median", f"{reset:.1f} ms", *alone, "", ""],
        [seeding, f"{figures['seed_realistic_s']:.1f} s", *alone, "", ""],
    ]
    header = ["Figure", MOCK, WIREMOCK, BARE, FLOOR, "mockrefund ÷ floor",
              "mockrefund ÷ WireMock", "Target", "Met"]  # fmt: skip
    return _table(header, rows, right=6)


def topology_table(topologies: dict, args: Any) -> list[str]:
    """Throughput per topology and request, as a ratio to the first topology (one
    process on SQLite); then what each run answered and how the CPU was shared."""
    kinds = list(REQUESTS)
    names = list(topologies)
    base = topologies[names[0]]
    rows = [
        "mockrefund alone, deployed four ways, each with a new database seeded with the "
        f"same {args.orders:,} orders per platform: wrk with 32 connections for "
        f"{args.duration:g} s after a {args.warmup:g} s warm-up, one topology at a time. "
        "Two replicas are two `mockrefund serve` processes on one PostgreSQL database, "
        "each loaded by its own wrk (one thread, 16 connections) at the same time, their "
        "figures added up. Start is from the first process started to every one "
        "answering, seeding included. Ratios are to one process on SQLite.",
        "",
    ]
    throughput, mixes = [], []
    for name, figures in topologies.items():
        if "skipped" in figures:
            skipped = f"skipped: {figures['skipped']}"
            throughput.append([name, "", "", skipped, *[""] * (len(kinds) - 1)])
            continue
        start = f"{figures['start_s']:.1f} s"
        cells = [_throughput(figures[kind], base.get(kind)) for kind in kinds]
        throughput.append([name, str(figures["processes"]), start, *cells])
        mixes.append([name, *(f"{_mix(figures[k])}; CPU {_cpu(figures[k])}" for k in kinds)])
    labels = [LABELS[kind] for kind in kinds]
    rows += _table(["Topology", "Processes", "Start", *labels], throughput, right=len(kinds) + 2)
    rows += [
        "",
        "What each run answered, and the CPU seconds each server process used during it "
        "(how evenly the load was spread):",
        "",
        *_table(["Topology", *labels], mixes),
        *_workers_targets(topologies),
    ]
    return rows


def _workers_targets(topologies: dict) -> list[str]:
    """`--workers 2` over one process, call by call, against the target."""
    one, two = topologies.get(ONE_PROCESS, {}), topologies.get(WORKERS, {})
    if "skipped" in one or "skipped" in two or not one or not two:
        return []
    rows = []
    for kind in REQUESTS:
        ratio = two[kind]["rps"] / one[kind]["rps"]
        rows.append([LABELS[kind], f"{_num(one[kind]['rps'])} req/s",
                     f"{_num(two[kind]['rps'])} req/s", _ratio(ratio),
                     f"≥ {WORKERS_RATIO}x", _met(ratio >= WORKERS_RATIO)])  # fmt: skip
    header = ["Call", ONE_PROCESS, WORKERS, "ratio", "Target", "Met"]
    return ["", f"`{WORKERS}` over one process, against the target:", "",
            *_table(header, rows, right=3)]  # fmt: skip


def _throughput(run: dict, base: dict | None) -> str:
    ratio = f" ({_ratio(run['rps'] / base['rps'])})" if base and base["rps"] else ""
    return f"{_num(run['rps'])} req/s{ratio}"


def _cpu(run: dict) -> str:
    # Empty when no process used 5 % of a core: the servers were waiting, not working.
    if not run["cpu_s"]:
        return "idle"
    return " + ".join(f"{seconds:.1f}" for seconds in run["cpu_s"]) + " s"


def _growth_table(growth: dict) -> list[str]:
    small, big = growth["small"], growth["big"]
    rows = [
        _compared("Seeding (start to first answer)", small["seed_s"], big["seed_s"], "s",
                  f"≤ {SEED_S:g} s, big store", big["seed_s"] <= SEED_S),
        _compared("Peak memory while seeding (RSS)", _mb(small["seed_mib"]), _mb(big["seed_mib"]),
                  "MB", f"≤ {SEED_MB:g} MB, big store", _mb(big["seed_mib"]) <= SEED_MB),
        _compared("Restart on the seeded database", small["restart_s"], big["restart_s"], "s",
                  f"≤ {RESTART_S:g} s, big store", big["restart_s"] <= RESTART_S),
        *_latencies(small, big),
    ]  # fmt: skip
    header = ["Figure", f"{small['orders']:,} orders", f"{big['orders']:,} orders", "ratio",
              "Target", "Met"]  # fmt: skip
    return [
        f"Stores of {small['orders']:,} and of {big['orders']:,} generated orders per platform "
        "(each with a refund), each seeded into a new SQLite file and then restarted on it. "
        "Seeding and restart are start to first answer; peak memory is the server's peak "
        "resident set when seeding is done (the seeding and target figures are for the "
        "big store). Then Kakaclo latency at 1 connection, the read cache off, so that every "
        "request does the database's work (this table is about that work growing, or not).",
        "",
        *_table(header, rows, right=3),
    ]


def _history_table(history: dict) -> list[str]:
    refunds = history["refunds"]
    few = {kind: runs["few"] for kind, runs in history.items() if kind in LATENCY_KINDS}
    many = {kind: runs["many"] for kind, runs in history.items() if kind in LATENCY_KINDS}
    header = ["Figure", "1 earlier refund", f"{refunds:,} earlier refunds", "ratio", "Target",
              "Met"]  # fmt: skip
    return [
        "Kakaclo latency at 1 connection in one store, the read cache off: on orders with "
        f"1 earlier refund (each create takes an order no other took) and on one order with "
        f"{refunds:,} earlier refunds from the fixtures (every create on it). A query "
        "answers the first page of the order's refunds, newest first, as a client asks.",
        "",
        *_table(header, _latencies(few, many), right=3),
    ]


def _latencies(few: dict, many: dict) -> list[list[str]]:
    """p50 and p99 of each measured call with little and with much, against the target;
    then what each run answered."""
    rows = []
    for kind in LATENCY_KINDS:
        for percentile in ("p50", "p99"):
            key = f"{percentile}_us"
            a, b = few[kind][key] / 1000, many[kind][key] / 1000
            rows.append(_compared(f"{LABELS[kind]}: {percentile}", a, b, "ms",
                                  f"< {GROWTH_RATIO}x", b / a < GROWTH_RATIO))  # fmt: skip
    for kind in LATENCY_KINDS:
        rows.append([f"{LABELS[kind]}: statuses", _mix(few[kind]), _mix(many[kind]), "", "", ""])
    return rows


def _compared(name: str, a: float, b: float, unit: str, target: str, met: bool) -> list[str]:
    return [name, f"{a:.2f} {unit}", f"{b:.2f} {unit}", _ratio(b / a), target, _met(met)]


def _statements_table(counts: dict[str, tuple[int, int]]) -> list[str]:
    rows = []
    for name, (statements, transactions) in counts.items():
        if name == "sandbox create":
            label, limit = "Sandbox create", SANDBOX_STATEMENTS
        else:
            platform, call = name.split()
            label, limit = f"{PLATFORM_NAMES[platform]} {call}", STATEMENTS[call]
        met = _met(statements <= limit)
        rows.append([label, str(statements), str(transactions), f"≤ {limit}", met])
    return [
        "Counted in-process as the suite's statement budgets count them "
        "(tests/core/statement_costs.py): an engine event listener on the app, the read "
        "cache off, through the whole request; a create of one unit or a query of one "
        "settled refund, on an order with a settled refund already. `BEGIN`s are counted "
        "apart, as transactions; the target is on the statements.",
        "",
        *_table(["Call", "Statements", "Transactions", "Target", "Met"], rows, right=2),
    ]


def _status_table(load: dict) -> list[str]:
    rows = []
    for kind, runs in load.items():
        # Only mockrefund and the floor keep state: a canned answer cannot run out of orders.
        cells = []
        for name in (MOCK, WIREMOCK, BARE, FLOOR):
            stateful = name in (MOCK, FLOOR)
            many, one = runs[name]["c32"], runs[name]["c1"]
            cells.append(f"{_mix(many, stateful)} / {_mix(one, stateful)}")
        rows.append([LABELS[kind], *cells])
    return _table(["Request", MOCK, WIREMOCK, BARE, FLOOR], rows)


def _table(header: list[str], rows: list[list[str]], right: int = 0) -> list[str]:
    """A Markdown table; columns 1 to `right` (figures) aligned right, the others left."""
    aligns = ["---:" if 1 <= n <= right else "---" for n in range(len(header))]
    return [f"| {' | '.join(cells)} |" for cells in (header, aligns, *rows)]


def _met(met: bool | None) -> str:
    return "" if met is None else ("yes" if met else "**no**")


def _mb(mib: float) -> float:
    return mib * 1024**2 / 1e6


def _mix(run: dict, stateful: bool = True) -> str:
    parts = [f"{status}: {count:,}" for status, count in sorted(run["statuses"].items())]
    if run["socket_errors"]:
        parts.append(f"socket errors: {run['socket_errors']:,}")
    if stateful and run.get("wrapped"):
        parts.append("pool used up")
    return ", ".join(parts) or "none"


def _ratio(value: float) -> str:
    # Three decimals below 0.01, so that a tiny ratio does not read as zero.
    return f"{value:.2f}x" if value >= 0.01 else f"{value:.3f}x"


def _num(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"
