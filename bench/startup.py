"""Time from starting `mockrefund serve` to its first answered request.

    python bench/startup.py [--runs N] [--existing]

Each run starts the real command on a free port with a new SQLite file (or, with
--existing, a file that is already seeded), sends GET /__admin/health until it answers
200, and stops the server. Prints every run and the median, in milliseconds.
"""

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def first_answer(db: Path) -> float:
    port = free_port()
    url = f"http://127.0.0.1:{port}/__admin/health"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockrefund", "serve", "--port", str(port), "--db", str(db),
         "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                if process.poll() is not None:
                    raise SystemExit("the server exited before answering") from None
                time.sleep(0.005)
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--existing", action="store_true", help="reuse one seeded database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        shared = Path(folder) / "seeded.db"
        if args.existing:
            first_answer(shared)
        timings = []
        for run in range(args.runs):
            db = shared if args.existing else Path(folder) / f"run{run}.db"
            timings.append(first_answer(db) * 1000)
            print(f"run {run + 1}: {timings[-1]:.0f} ms")
    print(f"median: {statistics.median(timings):.0f} ms (max {max(timings):.0f} ms)")


if __name__ == "__main__":
    main()
