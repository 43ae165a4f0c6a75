"""Does a refund cost more when its order has more refunds? WooCommerce creates on one
order (645 of the default fixtures, which has one refund already), timed from the client.

Starts two `python -m mockrefund serve`, each on a new SQLite file; refunds 0.01 of order
645 on the second until the order has HISTORY refunds; then creates WINDOW more on each,
taking turns, so that whatever else the machine is doing slows both alike. Prints the
median latency of each server's creates and their 10th percentile.

    .venv/bin/python bench/growth.py [--history 300] [--window 100]

Not part of the test run; that the work does not grow is tested by counting statements
(tests/core/test_growth.py).
"""

import argparse
import base64
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from servers import free_port

WOO_AUTH = {
    "Authorization": "Basic " + base64.b64encode(b"ck_mockrefund_test:cs_mockrefund_test").decode()
}
CREATE = "/wc-api/v3/orders/645/refunds"
BODY = {"order_refund": {"amount": "0.01", "reason": "growth"}}
READY_SECONDS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=300)
    parser.add_argument("--window", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, ExitStack() as servers:
        few = servers.enter_context(_server(Path(folder) / "few.db"))
        many = servers.enter_context(_server(Path(folder) / "many.db"))
        for _ in range(args.history - 1):
            _create(many)
        timings: dict[str, list[float]] = {"few": [], "many": []}
        for _ in range(args.window):
            timings["few"].append(_create(few))
            timings["many"].append(_create(many))
    print(f"creates after 1 to {args.window} refunds: {_ms(timings['few'])}")
    last = args.history + args.window - 1
    print(f"creates after {args.history} to {last} refunds: {_ms(timings['many'])}")


@contextmanager
def _server(database: Path) -> Iterator[httpx.Client]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockrefund", "serve", "--port", str(port),
         "--db", str(database), "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            _wait_ready(client)
            yield client
    finally:
        process.terminate()
        process.wait()


def _wait_ready(client: httpx.Client) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            if client.get("/wc-api/v3/orders/645", headers=WOO_AUTH).status_code == 200:
                return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


def _create(client: httpx.Client) -> float:
    started = time.perf_counter()
    answer = client.post(CREATE, json=BODY, headers=WOO_AUTH)
    elapsed = time.perf_counter() - started
    answer.raise_for_status()
    return elapsed


def _ms(seconds: list[float]) -> str:
    tenth = statistics.quantiles(seconds, n=10)[0]
    return (
        f"median {statistics.median(seconds) * 1000:.2f} ms, 10th percentile {tenth * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
