"""How long creating and resetting a sandbox with the default fixtures takes.

    python bench/sandboxes.py [--runs N]

Starts the real server on a free port with a new SQLite file, then times N creations
(POST /__admin/sandboxes) and N resets (POST /__admin/sandboxes/{id}/reset) over HTTP,
one at a time on a kept-alive connection, and prints the median and the 90th percentile
in milliseconds. The figures include the HTTP round trip.
"""

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def summary(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    return (
        f"{name}: median {statistics.median(ordered):.2f} ms, p90 {p90:.2f} ms (n={len(ordered)})"
    )


def time_sandboxes(http: httpx.Client, runs: int) -> tuple[list[float], list[float]]:
    """Create `runs` sandboxes, reset each, delete them; the create and reset times in ms."""
    creates, resets, made = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        response = http.post("/__admin/sandboxes")
        creates.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        made.append(response.json()["id"])
    for sandbox_id in made:
        started = time.perf_counter()
        http.post(f"/__admin/sandboxes/{sandbox_id}/reset").raise_for_status()
        resets.append((time.perf_counter() - started) * 1000)
    for sandbox_id in made:
        http.delete(f"/__admin/sandboxes/{sandbox_id}")
    return creates, resets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [sys.executable, "-m", "mockrefund", "serve", "--port", str(port),
             "--db", str(Path(folder) / "bench.db"), "--log-level", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
                deadline = time.monotonic() + 20
                while True:
                    try:
                        http.get("/__admin/health")
                        break
                    except httpx.TransportError:
                        if time.monotonic() > deadline:
                            raise SystemExit("the server did not start") from None
                        time.sleep(0.02)
                creates, resets = time_sandboxes(http, args.runs)
        finally:
            server.terminate()
            server.wait()
    print(summary("create", creates))
    print(summary("reset", resets))


if __name__ == "__main__":
    main()
