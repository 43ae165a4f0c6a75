"""The journal records what clients sent; faults and rate limits make the APIs misbehave."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from mockrefund.controls.tables import JournalEntry, JournalHead
from tests.platforms.kakaclo.conftest import AUTH, SEED_ITEMS
from tests.platforms.woocommerce.conftest import basic

REFUND = "/openapi/v2/order/orders/10001/refund"
SHOPLINE = {"Authorization": "Bearer shopline-test-token"}


def sandbox(client: TestClient) -> str:
    sandbox_id: str = client.post("/__admin/sandboxes").json()["id"]
    return sandbox_id


def test_the_journal_records_requests_and_answers_per_sandbox(client: TestClient) -> None:
    a, b = sandbox(client), sandbox(client)
    client.post(f"/sandboxes/{a}{REFUND}", json=SEED_ITEMS, headers=AUTH)
    client.get(f"/sandboxes/{a}/wc-api/v3/orders/645/refunds", headers=basic())
    client.get(f"/sandboxes/{b}/openapi/v2/order/orders", headers=AUTH)

    entries = client.get(f"/__admin/sandboxes/{a}/requests").json()["requests"]
    assert [(e["platform"], e["method"], e["status"]) for e in entries] == [
        ("kakaclo", "POST", 200),
        ("woocommerce", "GET", 200),
    ]
    first = entries[0]
    assert first["path"] == f"/sandboxes/{a}{REFUND}"
    assert '"itemId":"120001"' in first["request_body"].replace(" ", "")
    assert first["response_body"] == '{"code":10000,"message":"ok","data":10002}'
    assert first["request_headers"]["authorization"] == "Bearer kakaclo-test-token"

    assert client.get(f"/__admin/sandboxes/{b}/requests/count").json() == {"count": 1}
    assert client.get("/__admin/requests/count").json() == {"count": 0}  # the default's


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({"platform": "kakaclo"}, 2),
        ({"method": "get"}, 1),
        ({"status": 200}, 1),
        ({"status": 401}, 1),
        ({"path": r"/refund$"}, 2),
        ({"path": "/x$"}, 1),
        ({"since": "2000-01-01T00:00:00Z"}, 3),
        ({"until": "2000-01-01T00:00:00Z"}, 0),
    ],
)
def test_journal_filters(client: TestClient, query: dict[str, Any], count: int) -> None:
    client.post(REFUND, json=SEED_ITEMS, headers=AUTH)
    client.post(REFUND, json={})
    client.get("/wc-api/v3/orders/645/refunds/647/x", headers=basic())
    client.get("/__admin/health")  # not an emulated API: not recorded
    assert client.get("/__admin/requests/count", params=query).json()["count"] == count


def test_clearing_and_bounds(client: TestClient) -> None:
    for _ in range(3):
        client.get("/openapi/v2/order/orders", headers=AUTH)
    assert len(client.get("/__admin/requests", params={"limit": 2}).json()["requests"]) == 2
    client.delete("/__admin/requests")
    assert client.get("/__admin/requests/count").json() == {"count": 0}


def test_the_journal_is_bounded() -> None:
    from mockrefund.app import create_app
    from tests.conftest import make_settings

    with TestClient(create_app(make_settings(journal_size=5))) as client:
        for _ in range(8):
            client.get("/openapi/v2/order/orders", headers=AUTH)
        entries = client.get("/__admin/requests").json()["requests"]
        assert len(entries) == 5
        assert entries[-1]["id"] - entries[0]["id"] == 4


def test_a_fault_answers_in_the_platforms_format_for_the_next_n_requests(
    client: TestClient,
) -> None:
    rule = client.post(
        "/__admin/faults",
        json={"platform": "kakaclo", "path": "/refund$", "status": 503, "times": 2},
    ).json()
    assert rule["remaining"] == 2
    for _ in range(2):
        failed = client.post(REFUND, json=SEED_ITEMS, headers=AUTH)
        assert failed.status_code == 503
        assert set(failed.json()) == {"code", "message", "data"}
    assert client.post(REFUND, json=SEED_ITEMS, headers=AUTH).json()["data"] == 10002
    assert client.get("/__admin/faults").json() == {"faults": []}
    entries = client.get("/__admin/requests", params={"status": 503}).json()["requests"]
    assert [e["fault"] for e in entries] == [1, 1]


@pytest.mark.parametrize(
    ("path", "headers", "shape"),
    [
        ("/wc-api/v3/orders/645/refunds", basic(), {"errors"}),
        ("/admin/openapi/v20220901/orders.json", SHOPLINE, {"errors"}),
    ],
)
def test_faults_speak_each_platforms_dialect(
    client: TestClient, path: str, headers: dict[str, str], shape: set[str]
) -> None:
    client.post("/__admin/faults", json={"status": 500})
    response = client.get(path, headers=headers)
    assert response.status_code == 500
    assert set(response.json()) == shape


def test_a_fault_can_answer_a_given_body_match_a_method_and_be_removed(client: TestClient) -> None:
    rule = client.post(
        "/__admin/faults", json={"method": "GET", "status": 418, "body": {"teapot": True}}
    ).json()
    assert client.get("/openapi/v2/order/orders", headers=AUTH).json() == {"teapot": True}
    assert client.post(REFUND, json={}, headers=AUTH).status_code == 200  # POST: no match
    assert client.delete(f"/__admin/faults/{rule['id']}").json() == {"removed": True}
    assert client.delete(f"/__admin/faults/{rule['id']}").status_code == 404
    assert client.get("/openapi/v2/order/orders", headers=AUTH).status_code == 200


def test_probability_under_a_seed_is_repeatable(client: TestClient) -> None:
    def run() -> list[int]:
        client.delete("/__admin/faults")
        client.post("/__admin/faults", json={"status": 500, "probability": 0.5, "seed": 42})
        return [client.get("/openapi/v2/order/orders", headers=AUTH).status_code for _ in range(20)]

    first = run()
    assert first == run()
    assert 0 < first.count(500) < 20


def test_bad_fault_rules_are_refused(client: TestClient) -> None:
    for rule in ({"path": "("}, {"platform": "shopify"}, {"probability": 0}):
        response = client.post("/__admin/faults", json=rule)
        assert response.status_code == 400
        assert "detail" not in response.json()


@pytest.fixture
def still_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The buckets leak on the wall clock; stop it, so no request leaks out."""
    from mockrefund import clock

    monkeypatch.setattr(clock, "epoch_seconds", lambda: 1000.0)


@pytest.mark.usefixtures("still_time")
def test_kakaclo_rate_limit_per_sandbox(client: TestClient) -> None:
    a, b = sandbox(client), sandbox(client)
    assert client.put(f"/__admin/sandboxes/{a}/rate-limits", json={"kakaclo": True}).json() == {
        "kakaclo": True,
        "shopline": False,
    }
    statuses = [
        client.get(f"/sandboxes/{a}/openapi/v2/order/orders", headers=AUTH).status_code
        for _ in range(121)
    ]
    assert statuses[:120] == [200] * 120
    assert statuses[120] == 429
    limited = client.get(f"/sandboxes/{a}/openapi/v2/order/orders", headers=AUTH).json()
    assert limited["code"] == 42900
    assert client.get(f"/sandboxes/{b}/openapi/v2/order/orders", headers=AUTH).status_code == 200


@pytest.mark.usefixtures("still_time")
def test_shopline_rate_limit_per_sandbox(client: TestClient) -> None:
    a = sandbox(client)
    client.put(f"/__admin/sandboxes/{a}/rate-limits", json={"shopline": True})
    path = f"/sandboxes/{a}/admin/openapi/v20220901/orders.json"
    statuses = [client.get(path, headers=SHOPLINE).status_code for _ in range(41)]
    assert statuses[40] == 429
    assert client.get(path, headers=SHOPLINE).json() == {"errors": "Too many request"}


def test_admin_endpoints_of_an_unknown_sandbox_are_404(client: TestClient) -> None:
    response = client.get("/__admin/sandboxes/sbx_nope/requests")
    assert response.status_code == 404
    assert "does not exist" in response.json()["error"]


def test_journal_times_without_a_zone_are_utc_and_bad_regexes_are_refused(
    client: TestClient,
) -> None:
    client.get("/openapi/v2/order/orders", headers=AUTH)
    assert client.get(
        "/__admin/requests/count", params={"since": "2000-01-01T00:00:00"}
    ).json() == {"count": 1}
    refused = client.get("/__admin/requests", params={"path": "("})
    assert refused.status_code == 400
    assert "not a regular expression" in refused.json()["error"]


def test_a_faulted_request_is_journalled_with_its_rule_and_body(client: TestClient) -> None:
    rule = client.post("/__admin/faults", json={"status": 503, "times": 1}).json()
    client.post(REFUND, json={"remark": "sent anyway"}, headers=AUTH)
    (entry,) = client.get("/__admin/requests").json()["requests"]
    assert entry["fault"] == rule["id"]
    assert "sent anyway" in entry["request_body"]


@pytest.mark.parametrize(
    ("path", "headers", "status", "check"),
    [
        ("/wc-api/v3/orders/645/refunds", basic(), 503, lambda b: b["errors"][0]["code"] == "woocommerce_api_fault"),
        ("/wc-api/v3/orders/645/refunds", basic(), 405, lambda b: b["errors"][0]["code"] == "woocommerce_api_fault"),
        ("/openapi/v2/order/orders", AUTH, 401, lambda b: b["code"] == 30002),
        ("/openapi/v2/order/orders", AUTH, 502, lambda b: b["code"] == 50200),
        ("/admin/openapi/v20220901/orders.json", SHOPLINE, 502, lambda b: isinstance(b["errors"], str)),
    ],
)  # fmt: skip
def test_a_fault_keeps_the_status_it_was_given(
    client: TestClient, path: str, headers: dict[str, str], status: int, check: Any
) -> None:
    client.post("/__admin/faults", json={"status": status})
    response = client.get(path, headers=headers)
    assert response.status_code == status
    assert check(response.json())


def test_rate_limits_exist_only_for_kakaclo_and_shopline(client: TestClient) -> None:
    assert client.put("/__admin/rate-limits", json={"woocommerce": True}).status_code == 400


def test_requests_to_a_sandbox_that_does_not_exist_are_not_journalled(client: TestClient) -> None:
    client.get("/sandboxes/sbx_made_up/openapi/v2/order/orders", headers=AUTH)
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.read() as session:
        rows = session.execute(select(JournalEntry).where(JournalEntry.sandbox_id == "sbx_made_up"))
        assert rows.all() == []
    # A sandbox made later under the same name would not inherit a journal either.
    with runtime.db.read() as session:
        assert session.get(JournalHead, "sbx_made_up") is None


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"status": 101}, "status"),
        ({"status": 199}, "status"),
        ({"status": 204, "body": {"a": 1}}, "no body"),
        ({"status": 304, "body": "x"}, "no body"),
    ],
)
def test_fault_statuses_that_break_http_are_refused(
    client: TestClient, rule: dict[str, Any], problem: str
) -> None:
    response = client.post("/__admin/faults", json=rule)
    assert response.status_code == 400
    assert problem in response.json()["error"]


def test_a_204_fault_answers_with_no_body(client: TestClient) -> None:
    client.post("/__admin/faults", json={"status": 204, "times": 1})
    response = client.get("/openapi/v2/order/orders", headers=AUTH)
    assert response.status_code == 204
    assert response.content == b""


def test_a_sandbox_holds_at_most_a_hundred_fault_rules(client: TestClient) -> None:
    rule = {"path": "^/nowhere$", "status": 500}
    for _ in range(100):
        assert client.post("/__admin/faults", json=rule).status_code == 201
    refused = client.post("/__admin/faults", json=rule)
    assert refused.status_code == 409
    assert "100 fault rules" in refused.json()["error"]
    client.delete("/__admin/faults")
    assert client.post("/__admin/faults", json=rule).status_code == 201


def test_the_journal_cuts_big_headers_and_bodies_and_says_so(client: TestClient) -> None:
    big = "x" * 10_000
    many = {f"x-extra-{n}": "1" for n in range(80)}
    client.post(
        REFUND, content=b"{" + b" " * 100_000 + b"}", headers={**AUTH, "x-big": big, **many}
    )
    (entry,) = client.get("/__admin/requests").json()["requests"]
    assert entry["request_body"].endswith("[truncated by the journal: 100002 bytes in all]")
    assert len(entry["request_body"]) < 66_000
    assert entry["request_headers"]["x-big"].endswith(
        "[truncated by the journal: 10000 bytes in all]"
    )
    assert len(entry["request_headers"]) == 65  # 64 kept, and the count of those left out
    assert int(entry["request_headers"]["x-mockrefund-journal-headers-left-out"]) > 0
