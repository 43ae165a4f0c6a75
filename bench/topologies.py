"""Throughput of mockrefund deployed four ways, with the main table's requests (a) to (d).

    python bench/topologies.py [--orders N] [--duration S] [--postgres URL]

- one process on a SQLite file (the main table's mockrefund);
- `serve --workers 2` on one SQLite file: two worker processes on one port;
- one process on PostgreSQL, the baseline of the next;
- two replicas on one PostgreSQL database: two `mockrefund serve` processes, each on its
  own port, loaded at the same time by one wrk each (see loader.load_spread).

Each topology gets a new database seeded from the same fixtures, and the four take turns
(one running at a time). bench/run.py runs this as a section of RESULTS.md; on its own,
it prints the table. PostgreSQL topologies need psycopg (`pip install -e '.[postgres]'`)
and a server that lets the URL's user create databases; without one they are skipped.
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import data
import loader
import report
import servers

WRITES = ("kakaclo_create", "shopline_create")
QUERY = data.REQUESTS["kakaclo_query"]
PROBE = QUERY._replace(path=data.fill(QUERY.path, 0))
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Topology:
    name: str
    database: str  # "sqlite" or "postgresql"
    replicas: int = 1
    workers: int = 1

    @property
    def processes(self) -> int:
        return self.replicas * self.workers


TOPOLOGIES = (
    Topology("one process, SQLite", "sqlite"),
    Topology("--workers 2, SQLite", "sqlite", workers=2),
    Topology("one process, PostgreSQL", "postgresql"),
    Topology("two replicas, PostgreSQL", "postgresql", replicas=2),
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure_topologies(args: argparse.Namespace, wrk: str, tmp: Path, fixtures: Path) -> dict:
    """Start, throughput at 32 connections, and the CPU each process used, per topology."""
    problem = postgres_problem(args.postgres)
    figures: dict = {}
    for number, topology in enumerate(TOPOLOGIES):
        if topology.database == "postgresql" and problem:
            log(f"topology {topology.name}: skipped, {problem}")
            figures[topology.name] = {"skipped": problem}
            continue
        log(f"topology {topology.name} (seeding)")
        with database(topology, tmp / f"topology{number}.db", args.postgres) as db:
            figures[topology.name] = measure(args, wrk, topology, db, fixtures)
    return figures


def measure(
    args: argparse.Namespace, wrk: str, topology: Topology, db: Path | str, fixtures: Path
) -> dict:
    began = time.perf_counter()
    running: list[servers.Server] = []
    try:
        # One after the other: the first makes the schema, as a rolling start would.
        for _ in range(topology.replicas):
            running.append(servers.mockrefund(db, fixtures, workers=topology.workers))
            running[-1].first_answer(PROBE, limit=1800)
        figures: dict = {"processes": topology.processes, "start_s": time.perf_counter() - began}
        urls = [server.url for server in running]
        for kind in data.REQUESTS:
            log(f"{kind} on {topology.name}")
            figures[kind] = load_kind(args, wrk, running, urls, kind)
    finally:
        for server in running:
            server.stop()
    return figures


def load_kind(
    args: argparse.Namespace, wrk: str, running: list[servers.Server], urls: list[str], kind: str
) -> dict:
    """A warm-up, then the measure at 32 connections; creates take each order once."""
    pool = args.orders - 1  # as in the main table, which keeps the last order for itself
    used, result = 0, {}
    for seconds in (args.warmup, args.duration):
        first = used % pool if kind in WRITES else 0
        before = cpu(running)
        if len(urls) == 1:
            result = loader.load(wrk, urls[0], kind, 32, seconds, first, pool - first)
        else:
            result = loader.load_spread(wrk, urls, kind, 32, seconds, first, pool - first)
        after = cpu(running)
        used += result["used"]
        result["wrapped"] = kind in WRITES and used > pool
        # The CPU each server process used during the run, busiest first; a process
        # that used next to none (the parent of the workers) is left out.
        spent = [after[pid] - before.get(pid, 0.0) for pid in after]
        result["cpu_s"] = sorted((s for s in spent if s >= 0.05 * seconds), reverse=True)
    return result


def cpu(running: list[servers.Server]) -> dict[int, float]:
    return {pid: s for server in running for pid, s in server.cpu_seconds().items()}


def postgres_problem(url: str) -> str | None:
    """Why the PostgreSQL topologies cannot run, or None."""
    try:
        import psycopg
    except ModuleNotFoundError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    try:
        with psycopg.connect(plain(url), connect_timeout=5):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL at {url} does not answer ({str(error).splitlines()[0]})"


@contextmanager
def database(topology: Topology, sqlite_file: Path, admin_url: str) -> Iterator[Path | str]:
    """A new, empty database for one topology: a SQLite file, or a PostgreSQL database
    made beside the one `admin_url` names and dropped afterwards."""
    if topology.database == "sqlite":
        yield sqlite_file
        return
    import psycopg

    name = f"mockrefund_bench_{sqlite_file.stem}"
    with psycopg.connect(plain(admin_url), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    try:
        yield plain(admin_url).rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(plain(admin_url), autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def plain(url: str) -> str:
    """The URL as libpq reads it (no SQLAlchemy driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--postgres",
        default=POSTGRES,
        help=f"PostgreSQL whose user may create databases (default {POSTGRES})",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    option = parser.add_argument
    option("--orders", type=int, default=10_000, help="generated orders per platform")
    option("--duration", type=float, default=10, help="seconds of each 32-connection run")
    option("--warmup", type=float, default=2, help="seconds of load before each measure")
    option("--json", type=Path, help="also write the figures to this file")
    options(parser)
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is missing; install it with: apt-get install -y wrk")
    with tempfile.TemporaryDirectory(prefix="mockrefund-topologies-") as folder:
        tmp = Path(folder)
        fixtures = data.write_fixtures(tmp / "fixtures", args.orders)
        figures = measure_topologies(args, wrk, tmp, fixtures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    print("\n".join(report.topology_table(figures, args)))


if __name__ == "__main__":
    main()
