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
# Minimum throughput as a fraction of the floor's (the same work at the least cost).
THROUGHPUT_TARGET = {"kakaclo_query": 0.5, "woocommerce_list": 0.5,
                     "kakaclo_create": 0.5, "shopline_create": 0.5}  # fmt: skip
# Latency at one connection, p99, of a create.
CREATE_P99_MS = 5.0


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
        f"{args.warmup:g} s warm-up; latency: 1 connection, {args.latency_duration:g} s.",
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
        "## Status mix",
        "",
        "Answers by HTTP status (32 connections / 1 connection). Socket errors and a pool "
        "of orders used up (requests over orders already refunded) are flagged.",
        "",
        *_status_table(figures["load"]),
        "",
    ]
    return "\n".join(lines)


def _main_table(figures: dict) -> list[str]:
    rows = [
        "| Figure | mockrefund | WireMock | bare ASGI | floor | mockrefund ÷ floor "
        "| mockrefund ÷ WireMock | Target | Met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]

    def row(name: str, values: dict, unit: str, target: str = "", met: bool | None = None):
        cells = [
            f"{_num(values[peer])} {unit}" if peer in values else "n/a"
            for peer in (MOCK, WIREMOCK, BARE, FLOOR)
        ]
        to_floor = _ratio(values[MOCK] / values[FLOOR]) if FLOOR in values else "n/a"
        rows.append(
            f"| {name} | {' | '.join(cells)} | {to_floor} "
            f"| {_ratio(values[MOCK] / values[WIREMOCK])} | {target} "
            f"| {'' if met is None else ('yes' if met else '**no**')} |"
        )

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
    rows += [
        f"| Sandbox create, median | {create:.1f} ms | n/a | n/a | n/a | n/a | n/a | ≤ 10 ms "
        f"| {'yes' if create <= 10 else '**no**'} |",
        f"| Sandbox reset, median | {reset:.1f} ms | n/a | n/a | n/a | n/a | n/a | | |",
        f"| Seeding {figures['args'].orders:,} orders per platform (start to first answer) "
        f"| {figures['seed_realistic_s']:.1f} s | n/a | n/a | n/a | n/a | n/a | | |",
    ]  # fmt: skip
    return rows


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
        "| Topology | Processes | Start | " + " | ".join(LABELS[kind] for kind in kinds) + " |",
        "| --- | ---: | ---: | " + " | ".join("---:" for _ in kinds) + " |",
    ]
    for name, figures in topologies.items():
        if "skipped" in figures:
            rows.append(f"| {name} | | | skipped: {figures['skipped']} |" + " |" * (len(kinds) - 1))
            continue
        cells = [_throughput(figures[kind], base.get(kind)) for kind in kinds]
        start = f"{figures['start_s']:.1f} s"
        rows.append(f"| {name} | {figures['processes']} | {start} | {' | '.join(cells)} |")
    rows += [
        "",
        "What each run answered, and the CPU seconds each server process used during it "
        "(how evenly the load was spread):",
        "",
        "| Topology | " + " | ".join(LABELS[kind] for kind in kinds) + " |",
        "| --- | " + " | ".join("---" for _ in kinds) + " |",
    ]
    for name, figures in topologies.items():
        if "skipped" in figures:
            continue
        cells = [f"{_mix(figures[kind])}; CPU {_cpu(figures[kind])}" for kind in kinds]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return rows


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
        f"Kakaclo store with {small['orders']:,} and with {big['orders']:,} generated orders "
        "(each with a refund); 1 connection; the read cache off, so that every request "
        "does the database's work (this table is about that work growing, or not). Seeding "
        "is start to first answer with a new database.",
        "",
        f"| Figure | {small['orders']:,} orders | {big['orders']:,} orders | ratio |",
        "| --- | ---: | ---: | ---: |",
        f"| Seeding | {small['seed_s']:.1f} s | {big['seed_s']:.1f} s "
        f"| {big['seed_s'] / small['seed_s']:.0f}x |",
    ]
    for kind in ("kakaclo_query", "kakaclo_create"):
        for percentile in ("p50", "p99"):
            key = f"{percentile}_us"
            a, b = small[kind][key] / 1000, big[kind][key] / 1000
            rows.append(
                f"| {LABELS[kind]}: {percentile} | {a:.2f} ms | {b:.2f} ms | {b / a:.2f}x |"
            )
    for kind in ("kakaclo_query", "kakaclo_create"):
        rows.append(f"| {LABELS[kind]}: statuses | {_mix(small[kind])} | {_mix(big[kind])} | |")
    return rows


def _status_table(load: dict) -> list[str]:
    rows = [
        "| Request | mockrefund | WireMock | bare ASGI | floor |",
        "| --- | --- | --- | --- | --- |",
    ]
    for kind, runs in load.items():
        # Only mockrefund and the floor keep state: a canned answer cannot run out of orders.
        cells = []
        for name in (MOCK, WIREMOCK, BARE, FLOOR):
            stateful = name in (MOCK, FLOOR)
            many, one = runs[name]["c32"], runs[name]["c1"]
            cells.append(f"{_mix(many, stateful)} / {_mix(one, stateful)}")
        rows.append(f"| {LABELS[kind]} | {' | '.join(cells)} |")
    return rows


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
