"""A tenant reaches its own sandbox and nothing else: not the hidden templates every
sandbox is copied from, not the default sandbox through an empty or made-up id, not the
control plane through a sandbox prefix; and a crash under a prefix still answers in the
platform's own format."""

import base64
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from mockrefund.core.sandboxes import TEMPLATE_PREFIX
from tests.abuse.conftest import fresh_client

KAKACLO = ("/openapi/v2/order/orders", {"Authorization": "Bearer kakaclo-test-token"})
SHOPLINE = ("/admin/openapi/v20251201/orders.json", {"Authorization": "Bearer shopline-test-token"})
WOOCOMMERCE = (
    "/wc-api/v3/orders/645/refunds",
    {"Authorization": "Basic Y2tfdGVzdDpjc190ZXN0"},
)
PLATFORMS = {"kakaclo": KAKACLO, "shopline": SHOPLINE, "woocommerce": WOOCOMMERCE}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with fresh_client() as client:
        yield client


@pytest.fixture(scope="module")
def template_id(client: TestClient) -> str:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.read() as session:
        ids = session.execute(text("SELECT id FROM sandbox")).scalars().all()
    (found,) = [sandbox for sandbox in ids if sandbox.startswith(TEMPLATE_PREFIX)]
    return str(found)


def assert_not_found_in_platform_format(platform: str, response: Any) -> None:
    assert response.status_code == 404, response.text
    body = response.json()
    assert "detail" not in body
    if platform == "kakaclo":
        assert body["code"] == 40004
    elif platform == "shopline":
        assert "does not exist" in body["errors"]
        assert response.headers["traceId"]
    else:
        assert body["errors"][0]["code"] == "woocommerce_api_no_route"


def default_orders_unchanged(client: TestClient) -> int:
    path, headers = KAKACLO
    return int(client.get(path, headers=headers).json()["data"]["total"])


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_template_is_not_reachable_by_prefix_or_header(
    client: TestClient, template_id: str, platform: str
) -> None:
    path, headers = PLATFORMS[platform]
    by_prefix = client.get(f"/sandboxes/{template_id}{path}", headers=headers)
    assert_not_found_in_platform_format(platform, by_prefix)
    by_header = client.get(path, headers={**headers, "X-Mockrefund-Sandbox": template_id})
    assert_not_found_in_platform_format(platform, by_header)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_empty_sandbox_id_is_not_the_default_sandbox(client: TestClient, platform: str) -> None:
    path, headers = PLATFORMS[platform]
    assert_not_found_in_platform_format(platform, client.get(f"/sandboxes/{path}", headers=headers))
    empty_header = {**headers, "X-Mockrefund-Sandbox": ""}
    assert_not_found_in_platform_format(platform, client.get(path, headers=empty_header))


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("post", "/reset"), ("delete", ""), ("get", ""), ("get", "/clock"), ("post", "/faults")],
)
def test_the_control_plane_does_not_know_templates(
    client: TestClient, template_id: str, method: str, suffix: str
) -> None:
    before = default_orders_unchanged(client)
    response = client.request(method, f"/__admin/sandboxes/{template_id}{suffix}", json={})
    assert response.status_code == 404
    assert "does not exist" in response.json()["error"]
    # The template is still whole: a new sandbox gets every order.
    sandbox = client.post("/__admin/sandboxes").json()["id"]
    path, headers = KAKACLO
    copied = client.get(f"/sandboxes/{sandbox}{path}", headers=headers).json()["data"]["total"]
    assert copied == before


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("get", "/state"), ("get", "/journal"), ("get", "/journal/entries"),
     ("post", "/reset"), ("post", "/clock/advance"), ("post", "/orders/kakaclo/10001/cancel")],
)  # fmt: skip
def test_the_dashboard_does_not_know_templates(
    client: TestClient, template_id: str, method: str, suffix: str
) -> None:
    before = default_orders_unchanged(client)
    response = client.request(
        method,
        f"/__admin/ui/sandboxes/{quote(template_id, safe='')}{suffix}",
        data={"seconds": "86400"} if method == "post" else None,
        headers={"HX-Request": "true"},
    )
    assert "does not exist" in response.text
    assert 'data-order="' not in response.text
    # The template is as it was: a new sandbox gets every order, and 10001 not cancelled.
    sandbox = client.post("/__admin/sandboxes").json()["id"]
    path, headers = KAKACLO
    copied = client.get(f"/sandboxes/{sandbox}{path}", headers=headers).json()["data"]["total"]
    assert copied == before
    refund = f"/sandboxes/{sandbox}/openapi/v2/order/orders/10001/refund"
    assert client.post(refund, json={}, headers=headers).json()["code"] == 10000


@pytest.mark.parametrize(
    "path",
    [
        "/sandboxes/nosuch/__admin/reset",
        "/sandboxes/default/__admin/clock/advance",
        "/sandboxes//__admin/reset",
    ],
)
def test_the_control_plane_is_not_served_under_a_sandbox_prefix(
    client: TestClient, path: str
) -> None:
    clock = client.get("/__admin/clock").json()["now"]
    response = client.post(path, json={"seconds": 315_360_000})
    assert response.status_code == 404
    assert "only under /__admin" in response.json()["error"]
    assert client.get("/__admin/clock").json()["now"] == clock


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_crash_under_a_sandbox_prefix_answers_in_the_platforms_format(
    platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockrefund.core import sandboxes

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    path, headers = PLATFORMS[platform]
    with fresh_client() as client:
        sandbox = client.post("/__admin/sandboxes").json()["id"]
        monkeypatch.setattr(sandboxes, "prepare", explode)
        response = client.get(f"/sandboxes/{sandbox}{path}", headers=headers)
    assert response.status_code == 500
    body = response.json()
    assert "detail" not in body
    assert "status" not in body  # the control plane's format
    if platform == "shopline":
        assert response.headers["traceId"]


@pytest.mark.parametrize(
    ("call", "body"),
    [
        ("set", {"at": "0001-01-01T00:00:00+14:00"}),
        ("set", {"at": "9999-12-31T23:59:59-14:00"}),
        ("set", {"at": "1969-12-31T23:59:59Z"}),
        ("advance", {"seconds": 315_360_000}),
    ],
)
def test_clock_values_past_the_range_are_refused_and_change_nothing(
    call: str, body: dict[str, Any]
) -> None:
    with fresh_client() as client:
        client.post("/__admin/clock/set", json={"at": "8999-06-01T00:00:00Z"})
        before = client.get("/__admin/clock").json()
        response = client.post(f"/__admin/clock/{call}", json=body)
        assert response.status_code == 400
        assert "between 1970-01-01T00:00:00Z and 9000-01-01T00:00:00Z" in response.json()["error"]
        assert client.get("/__admin/clock").json() == before
        path, headers = KAKACLO
        assert client.get(path, headers=headers).status_code == 200
        assert client.get("/__admin/sandboxes").status_code == 200


def test_a_fast_clock_stops_at_the_end_of_its_range_instead_of_failing() -> None:
    with fresh_client() as client:
        client.post("/__admin/clock/set", json={"at": "8999-12-31T23:00:00Z"})
        client.post("/__admin/clock/scale", json={"scale": 1_000_000})
        client.post("/__admin/clock/resume")
        path, headers = KAKACLO
        refund = client.post(
            "/openapi/v2/order/orders/10001/refund",
            json={"orderItems": [{"itemId": "120001", "quantity": 1}]},
            headers=headers,
        )
        assert refund.status_code == 200, refund.text
        assert client.get(path, headers=headers).status_code == 200
        assert client.get("/__admin/clock").json()["now"] <= "9000-01-01T00:00:00Z"


def test_a_sandbox_cannot_start_its_clock_outside_the_range(client: TestClient) -> None:
    response = client.post("/__admin/sandboxes", json={"clock": {"at": "0001-01-01T00:00:00Z"}})
    assert response.status_code == 400
    assert "between" in response.json()["error"]


def run_within(seconds: float, job: Callable[[], Any]) -> Any:
    """The job's result, or a failure if it is still running after `seconds`."""
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(job()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    return result[0]


PATTERN_BOMB = "(a+)+$"
# A backtracking matcher takes about 2**40 steps for this path against the bomb.
BOMB_PATH = "/openapi/v2/order/orders/refund/" + "a" * 40 + "!"


def test_a_pattern_bomb_in_a_fault_rule_matches_in_linear_time(client: TestClient) -> None:
    sandbox = client.post("/__admin/sandboxes").json()["id"]
    added = client.post(f"/__admin/sandboxes/{sandbox}/faults", json={"path": PATTERN_BOMB})
    assert added.status_code == 201
    _, headers = KAKACLO
    response = run_within(
        10, lambda: client.get(f"/sandboxes/{sandbox}{BOMB_PATH}", headers=headers)
    )
    assert response.status_code in (200, 404)


def test_a_pattern_bomb_in_a_journal_filter_matches_in_linear_time(client: TestClient) -> None:
    _, headers = KAKACLO
    client.get(BOMB_PATH, headers=headers)
    counted = run_within(
        10, lambda: client.get("/__admin/requests/count", params={"path": PATTERN_BOMB})
    )
    assert counted.status_code == 200


@pytest.mark.parametrize("pattern", ["(a)\\1", "(?=refund)", "x" * 1001])
def test_patterns_that_need_backtracking_or_are_huge_are_refused(
    client: TestClient, pattern: str
) -> None:
    fault = client.post("/__admin/faults", json={"path": pattern})
    assert fault.status_code == 400
    journal = client.get("/__admin/requests", params={"path": pattern})
    assert journal.status_code == 400
    assert "path" in journal.json()["error"]


def cursor(**fields: Any) -> str:
    data = {"ids": None, "status": "any", "financial_status": "any"}
    data |= {"fulfillment_status": "any", "since_id": None, **fields}
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "offset", [9223372036854775808, 2**53 + 1, True, -1, "1", 1.5, None, [1], {"a": 1}]
)
def test_a_tampered_page_info_cursor_is_refused_in_shoplines_format(
    client: TestClient, offset: Any
) -> None:
    path, headers = SHOPLINE
    response = client.get(path, params={"page_info": cursor(offset=offset)}, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json() == {"errors": "page_info is invalid"}
    assert response.headers["traceId"]


def test_an_honest_cursor_still_pages(client: TestClient) -> None:
    path, headers = SHOPLINE
    response = client.get(path, params={"page_info": cursor(offset=0)}, headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_header_bomb_is_answered_and_journalled_in_bounded_size(platform: str) -> None:
    path, headers = PLATFORMS[platform]
    bomb = {"x-bomb": "b" * 1_000_000, **{f"x-many-{n}": "m" * 2_000 for n in range(200)}}
    with fresh_client() as client:
        response = client.get(path, headers={**headers, **bomb})
        assert response.status_code < 500
        assert "detail" not in response.json()
        journal = client.get("/__admin/requests").text
    # The entry keeps 64 headers of at most 4 KiB each, whatever came.
    assert len(journal) < 400_000


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/__admin/faults", {"platform": "kakaclo", "status": 500, "times": 2**63}),
        ("POST", "/__admin/faults", {"platform": "kakaclo", "status": 500, "seed": 2**64}),
        ("POST", "/__admin/sandboxes", {"seed": 2**63}),
        ("GET", f"/__admin/requests?status={2**63}", None),
        ("GET", f"/__admin/requests?limit={2**63}", None),
        ("DELETE", f"/__admin/faults/{2**63}", None),
    ],
)
def test_integers_past_what_the_database_stores_are_refused(
    client: TestClient, method: str, path: str, body: Any
) -> None:
    answer = client.request(method, path, json=body)
    assert answer.status_code == 400, answer.text
    assert "less than or equal" in answer.json()["error"]
