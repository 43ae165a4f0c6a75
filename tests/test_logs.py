"""Logs: a line per request with what a reader needs, sandbox events, the sweep's
troubles, and the two formats."""

import io
import json
import logging
import logging.config
import re
import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mockrefund.app import create_app
from mockrefund.cli import main
from mockrefund.core import sandboxes
from mockrefund.logs import FIELDS, REQUESTS, SANDBOXES, JsonFormatter, TextFormatter, log_config
from mockrefund.runtime import Runtime
from tests.admin.test_expiry import age
from tests.conftest import make_settings
from tests.platforms.kakaclo.conftest import AUTH, SEED_ITEMS
from tests.test_serving import settings_of

REFUND = "/openapi/v2/order/orders/10001/refund"
REQUEST_KEYS = {"sandbox", "platform", "method", "path", "route", "status", "duration_ms", "fault"}


@pytest.fixture
def lines(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="mockrefund")
    return caplog


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [getattr(r, FIELDS) for r in caplog.records if r.name == REQUESTS]


def test_each_request_is_one_line_with_its_sandbox_platform_status_and_duration(
    client: TestClient, lines: pytest.LogCaptureFixture
) -> None:
    sandbox = client.post("/__admin/sandboxes").json()["id"]
    lines.clear()
    client.post(f"/sandboxes/{sandbox}{REFUND}", json=SEED_ITEMS, headers=AUTH)
    client.get("/openapi/v2/order/orders", headers={**AUTH, "X-Mockrefund-Sandbox": sandbox})
    client.get("/openapi/v2/no-such-thing", headers=AUTH)
    client.get(f"/__admin/sandboxes/{sandbox}/clock")

    (refund, listing, missing, clock) = request_lines(lines)
    assert refund == {
        "sandbox": sandbox,
        "platform": "kakaclo",
        "method": "POST",
        "path": f"/sandboxes/{sandbox}{REFUND}",
        "route": "/openapi/v2/order/orders/{order_id}/refund",
        "status": 200,
        "duration_ms": refund["duration_ms"],
        "fault": None,
    }
    assert isinstance(refund["duration_ms"], float)
    assert refund["duration_ms"] > 0
    assert (listing["sandbox"], listing["path"], listing["status"]) == (
        sandbox,
        "/openapi/v2/order/orders",
        200,
    )
    assert (missing["platform"], missing["route"], missing["status"]) == (
        "kakaclo",
        "unmatched",
        404,
    )
    assert (clock["platform"], clock["sandbox"], clock["route"]) == (
        "admin",
        sandbox,
        "/__admin/sandboxes/{sandbox_id}/clock",
    )
    message = next(r for r in lines.records if r.name == REQUESTS).getMessage()
    assert re.fullmatch(
        rf"POST /sandboxes/{sandbox}{REFUND} 200 \d+\.\dms sandbox={sandbox} "
        r"platform=kakaclo fault=-",
        message,
    )


def test_the_line_names_the_fault_rule_that_answered(
    client: TestClient, lines: pytest.LogCaptureFixture
) -> None:
    rule = client.post("/__admin/faults", json={"status": 503, "times": 1}).json()
    lines.clear()
    client.post(REFUND, json=SEED_ITEMS, headers=AUTH)
    client.post(REFUND, json=SEED_ITEMS, headers=AUTH)
    faulted, answered = request_lines(lines)
    assert (faulted["status"], faulted["fault"]) == (503, rule["id"])
    assert (answered["status"], answered["fault"]) == (200, None)
    assert f"fault={rule['id']}" in lines.records[0].getMessage()


def test_a_path_cannot_forge_a_line_of_the_text_log(
    client: TestClient, lines: pytest.LogCaptureFixture
) -> None:
    client.get("/openapi/v2/x%0A2026-01-01T00:00:00.000Z%20INFO%20forged", headers=AUTH)
    (record,) = [r for r in lines.records if r.name == REQUESTS]
    assert "\n" not in record.getMessage()
    assert "/openapi/v2/x\\n2026-01-01T00:00:00.000Z INFO forged 404" in record.getMessage()
    assert getattr(record, FIELDS)["path"] == "/openapi/v2/x\n2026-01-01T00:00:00.000Z INFO forged"


def test_requests_refused_before_routing_are_logged_too(lines: pytest.LogCaptureFixture) -> None:
    with TestClient(create_app(make_settings(admin_token="s3cret"))) as client:
        lines.clear()
        assert client.get("/__admin/sandboxes").status_code == 401
        assert client.get("/sandboxes/x/__admin/clock").status_code == 404
    refused, misplaced = request_lines(lines)
    assert (refused["platform"], refused["status"], refused["route"]) == ("admin", 401, "unmatched")
    assert (misplaced["path"], misplaced["status"]) == ("/sandboxes/x/__admin/clock", 404)


def test_sandboxes_created_reset_deleted_and_expired_are_logged(
    client: TestClient, lines: pytest.LogCaptureFixture
) -> None:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    kept = client.post("/__admin/sandboxes").json()["id"]
    idle = client.post("/__admin/sandboxes").json()["id"]
    client.post(f"/__admin/sandboxes/{kept}/reset")
    client.delete(f"/__admin/sandboxes/{kept}")
    age(runtime, idle, runtime.settings.sandbox_ttl + 1)
    assert runtime.expire_idle() == [idle]

    events = [
        (getattr(r, FIELDS)["event"], getattr(r, FIELDS)["sandbox"], r.getMessage())
        for r in lines.records
        if r.name == SANDBOXES
    ]
    ttl = runtime.settings.sandbox_ttl
    assert events == [
        ("created", kept, f"sandbox {kept} created from fixtures default"),
        ("created", idle, f"sandbox {idle} created from fixtures default"),
        ("reset", kept, f"sandbox {kept} reset"),
        ("deleted", kept, f"sandbox {kept} deleted"),
        ("expired", idle, f"sandbox {idle} expired after {ttl}s idle"),
    ]


def test_a_sandbox_the_sweep_cannot_settle_is_logged_and_the_sweep_goes_on(
    client: TestClient, lines: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    other = client.post("/__admin/sandboxes").json()["id"]
    client.post(REFUND, json=SEED_ITEMS, headers=AUTH)
    client.post(f"/sandboxes/{other}{REFUND}", json=SEED_ITEMS, headers=AUTH)
    real_prepare = sandboxes.prepare
    swept = []

    def prepare(db: object, sandbox_id: str) -> object:
        swept.append(sandbox_id)
        if sandbox_id == sandboxes.DEFAULT_SANDBOX:
            raise RuntimeError("disk on fire")
        return real_prepare(runtime.db, sandbox_id)

    monkeypatch.setattr(sandboxes, "prepare", prepare)
    sandboxes.settle_all(runtime.db)

    assert sorted(swept) == sorted([sandboxes.DEFAULT_SANDBOX, other])
    (failure,) = [r for r in lines.records if r.levelno == logging.ERROR]
    assert failure.getMessage() == "settling sandbox default failed; the sweep goes on"
    assert failure.exc_info is not None
    assert "disk on fire" in str(failure.exc_info[1])


# -- the formats ------------------------------------------------------------------------


def record(fields: dict[str, object] | None = None) -> logging.LogRecord:
    made = logging.LogRecord(REQUESTS, logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    made.created = 1767323045.678  # 2026-01-02T03:04:05.678Z
    made.msecs = 678.0
    if fields is not None:
        setattr(made, FIELDS, fields)
    return made


def test_text_lines_start_with_the_time_in_utc_the_level_and_the_logger() -> None:
    assert TextFormatter().format(record()) == (
        "2026-01-02T03:04:05.678Z INFO mockrefund.requests GET /x"
    )


def test_json_lines_are_one_object_with_stable_keys_then_the_lines_fields() -> None:
    fields = {"sandbox": "default", "status": 200, "fault": None}
    line = JsonFormatter().format(record(fields))
    assert "\n" not in line
    assert json.loads(line) == {
        "time": "2026-01-02T03:04:05.678Z",
        "level": "info",
        "logger": "mockrefund.requests",
        "message": "GET /x",
        **fields,
    }
    assert list(json.loads(JsonFormatter().format(record()))) == [
        "time",
        "level",
        "logger",
        "message",
    ]


def test_json_lines_carry_a_failures_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        failed = logging.LogRecord("mockrefund", logging.ERROR, __file__, 1, "x", (), None)
        failed.exc_info = sys.exc_info()
    document = json.loads(JsonFormatter().format(failed))
    assert document["level"] == "error"
    assert "ValueError: boom" in document["exception"]


@pytest.fixture
def configured() -> Iterator[None]:
    """Logging as `serve` sets it up, undone afterwards."""
    loggers = ("uvicorn", "uvicorn.error", "uvicorn.access", "mockrefund")
    saved = {name: logging.getLogger(name).__dict__.copy() for name in loggers}
    yield
    for name, state in saved.items():
        logger = logging.getLogger(name)
        logger.__dict__.clear()
        logger.__dict__.update(state)


@pytest.mark.parametrize(("level", "shown"), [("info", True), ("warning", False)])
def test_the_server_config_sends_mockrefund_lines_where_uvicorns_go_at_its_level(
    configured: None,
    monkeypatch: pytest.MonkeyPatch,
    level: str,
    shown: bool,
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    logging.config.dictConfig(log_config(make_settings(log_format="json", log_level=level)))
    logging.getLogger(SANDBOXES).info("sandbox %s expired", "sbx_1")
    logging.getLogger("uvicorn.error").warning("uvicorn says")
    documents = [json.loads(line) for line in stream.getvalue().splitlines()]
    expected = [{"logger": "uvicorn.error", "message": "uvicorn says"}]
    if shown:
        expected.insert(0, {"logger": SANDBOXES, "message": "sandbox sbx_1 expired"})
    assert [{k: d[k] for k in ("logger", "message")} for d in documents] == expected
    # uvicorn's own access line has no handler: the request line replaces it.
    assert logging.getLogger("uvicorn.access").handlers == []


def test_the_format_is_a_setting_with_a_flag_and_a_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert settings_of().log_format == "text"
    assert settings_of("--log-format", "json").log_format == "json"
    monkeypatch.setenv("MOCKREFUND_LOG_FORMAT", "JSON")
    assert settings_of().log_format == "json"
    assert main(["serve", "--log-format", "xml"]) == 2
    assert "setting log_format (flag or MOCKREFUND_LOG_FORMAT)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    shown = capsys.readouterr().out
    assert "--log-format" in shown
    assert 'MOCKREFUND_LOG_FORMAT  (default "text")' in shown
