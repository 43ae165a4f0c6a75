"""The real server's log (text and JSON) and its metrics, with one process and with two."""

import json
import os
import re
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from mockrefund.serving import MULTIPROCESS_VARIABLE
from tests.e2e.server import running_server
from tests.platforms.kakaclo.conftest import AUTH, SEED_ITEMS
from tests.test_serving import children

pytestmark = pytest.mark.e2e

REFUND = "/openapi/v2/order/orders/10001/refund"
LISTING = "/openapi/v2/order/orders"
TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def test_text_log_has_one_line_per_request_and_the_sandboxes_life(tmp_path: Path) -> None:
    server = running_server(tmp_path / "t.db", "--log-level", "info")
    with server as running, httpx.Client(base_url=running.url) as http:
        sandbox = http.post("/__admin/sandboxes").json()["id"]
        assert http.post(f"/sandboxes/{sandbox}{REFUND}", json={}, headers=AUTH).is_success
        http.delete(f"/__admin/sandboxes/{sandbox}")
    log = (tmp_path / "t.log").read_text()

    refund_lines = [line for line in log.splitlines() if REFUND in line]
    assert len(refund_lines) == 1, log
    assert re.fullmatch(
        rf"{TIME} INFO mockrefund\.requests POST /sandboxes/{sandbox}{REFUND} 200 "
        rf"\d+\.\dms sandbox={sandbox} platform=kakaclo fault=-",
        refund_lines[0],
    ), refund_lines
    assert re.search(rf"^{TIME} INFO mockrefund\.sandboxes sandbox {sandbox} created ", log, re.M)
    assert re.search(rf"^{TIME} INFO mockrefund\.sandboxes sandbox {sandbox} deleted$", log, re.M)
    # uvicorn's lines are in the same format; its own access line is gone.
    assert re.search(rf"^{TIME} INFO uvicorn\.error Application startup complete\.$", log, re.M)
    assert "HTTP/1.1" not in log


def test_json_log_is_one_object_a_line_and_names_the_fault(tmp_path: Path) -> None:
    server = running_server(tmp_path / "j.db", "--log-level", "info", "--log-format", "json")
    with server as running, httpx.Client(base_url=running.url) as http:
        rule = http.post("/__admin/faults", json={"status": 503, "times": 1}).json()
        assert http.post(REFUND, json=SEED_ITEMS, headers=AUTH).status_code == 503
        assert http.post(REFUND, json=SEED_ITEMS, headers=AUTH).status_code == 200
    documents = [json.loads(line) for line in (tmp_path / "j.log").read_text().splitlines()]

    for document in documents:
        assert list(document)[:4] == ["time", "level", "logger", "message"]
        assert re.fullmatch(TIME, document["time"])
    faulted, answered = [d for d in documents if d.get("path") == REFUND]
    assert {key: faulted[key] for key in ("sandbox", "platform", "method", "status", "fault")} == {
        "sandbox": "default",
        "platform": "kakaclo",
        "method": "POST",
        "status": 503,
        "fault": rule["id"],
    }
    assert faulted["logger"] == "mockrefund.requests"
    assert faulted["route"] == "/openapi/v2/order/orders/{order_id}/refund"
    assert faulted["duration_ms"] > 0
    assert (answered["status"], answered["fault"]) == (200, None)
    # The start-up lines too, the server's own and uvicorn's.
    assert any(d["message"].startswith("mockrefund ") for d in documents)
    assert any(d["logger"] == "uvicorn.error" for d in documents)


def test_warning_level_keeps_requests_out_of_the_log(tmp_path: Path) -> None:
    with running_server(tmp_path / "w.db") as server:  # --log-level warning
        assert httpx.get(f"{server.url}{LISTING}", headers=AUTH).is_success
    assert LISTING not in (tmp_path / "w.log").read_text()


def scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    # A new connection each time: any of the workers may answer.
    answer = httpx.get(f"{url}/__admin/metrics", headers={"Connection": "close"})
    assert answer.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def multiprocess_folder(pid: int) -> Path:
    """The folder the server's workers count in, from their environment (the server
    sets it after it started, so only the workers it started show it)."""
    for child in children(pid):
        try:
            environment = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile
        for entry in environment:
            name, _, value = entry.decode().partition("=")
            if name == MULTIPROCESS_VARIABLE:
                return Path(value)
    raise AssertionError(f"{MULTIPROCESS_VARIABLE} not set for the workers")


def answering_processes(folder: Path) -> set[str]:
    return {path.stem.rsplit("_", 1)[1] for path in folder.glob("counter_*.db")}


def test_two_workers_report_the_requests_of_both_in_one_scrape(tmp_path: Path) -> None:
    flags = ("--workers", "2", "--log-level", "info", "--log-format", "json")
    with running_server(tmp_path / "m.db", *flags, timeout=60) as server:
        folder = multiprocess_folder(server.process.pid)
        assert folder.is_dir()
        assert folder.name.startswith("mockrefund-metrics-")
        sent = 0
        # New connections until both workers have answered some (the kernel hands each
        # connection to either); bounded, so a server with one deaf worker fails.
        while len(answering_processes(folder)) < 2 and sent < 400:
            answer = httpx.get(f"{server.url}{LISTING}", headers={**AUTH, "Connection": "close"})
            assert answer.status_code == 200
            sent += 1
        assert len(answering_processes(folder)) == 2
        listing = {"platform": "kakaclo", "route": LISTING, "method": "GET"}
        for _ in range(6):  # whichever worker answers the scrape, the figure is the total
            samples = scrape(server.url)
            key = frozenset({**listing, "status": "200"}.items())
            assert samples[("mockrefund_requests_total", key)] == sent
            assert (
                samples[("mockrefund_request_duration_seconds_count", frozenset(listing.items()))]
                == sent
            )
            assert samples[("mockrefund_sandboxes", frozenset())] == 1
            assert samples[("mockrefund_journal_entries", frozenset())] == sent
    # The folder was the run's own: it goes with the server.
    assert not folder.exists()
    assert os.environ.get(MULTIPROCESS_VARIABLE) is None
    # Both workers log in the server's format, each request once.
    documents = [json.loads(line) for line in (tmp_path / "m.log").read_text().splitlines()]
    started = {d["message"] for d in documents if d["message"].startswith("Started server process")}
    assert len(started) == 2
    assert len([d for d in documents if d.get("path") == LISTING]) == sent
