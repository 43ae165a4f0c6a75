"""`GET /__admin/metrics`: Prometheus' text format, with the figures known traffic makes."""

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from mockrefund.app import create_app
from tests.conftest import make_settings
from tests.core.test_growth import Statements
from tests.platforms.kakaclo.conftest import AUTH

REFUND_ROUTE = "/openapi/v2/order/orders/{order_id}/refund"
# Refundable Kakaclo orders of the default fixtures.
ORDERS = ("10001", "1000000463303", "1000000463310")
# One whose refunds fail (its forced outcome in the fixtures).
FAILING_ORDER = "1000000463308"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient, **headers: str) -> Samples:
    answer = client.get("/__admin/metrics", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_by_platform_route_method_and_status(client: TestClient) -> None:
    sandbox = client.post("/__admin/sandboxes").json()["id"]
    for order in ORDERS:
        created = client.post(
            f"/sandboxes/{sandbox}/openapi/v2/order/orders/{order}/refund", json={}, headers=AUTH
        )
        assert created.json()["code"] == 10000
    client.post(f"/sandboxes/{sandbox}/openapi/v2/order/orders/10001/refund", json={}, headers=AUTH)
    client.get(f"/sandboxes/{sandbox}/openapi/v2/nope", headers=AUTH)
    client.get(f"/__admin/sandboxes/{sandbox}/clock")

    samples = scrape(client)
    refunds = {"platform": "kakaclo", "route": REFUND_ROUTE, "method": "POST"}
    assert value(samples, "mockrefund_requests_total", **refunds, status="200") == 3
    assert value(samples, "mockrefund_requests_total", **refunds, status="409") == 1
    assert value(samples, "mockrefund_request_duration_seconds_count", **refunds) == 4
    assert value(samples, "mockrefund_request_duration_seconds_bucket", **refunds, le="+Inf") == 4
    assert value(samples, "mockrefund_request_duration_seconds_sum", **refunds) > 0
    unmatched = {"platform": "kakaclo", "route": "unmatched", "method": "GET", "status": "404"}
    assert value(samples, "mockrefund_requests_total", **unmatched) == 1
    clock = {"platform": "admin", "route": "/__admin/sandboxes/{sandbox_id}/clock", "method": "GET"}
    assert value(samples, "mockrefund_requests_total", **clock, status="200") == 1
    # No raw ids in any label: sandbox ids and order numbers stay out of the routes.
    assert not [key for key in samples if sandbox in str(key) or "10001" in str(key)]


def test_refunds_sandboxes_and_the_journal_are_read_from_the_database(client: TestClient) -> None:
    alone = scrape(client)
    sandbox = client.post("/__admin/sandboxes", json={"clock": {"frozen": True}}).json()["id"]
    before = scrape(client)  # the new sandbox holds its fixtures' refunds already
    for order in (*ORDERS, FAILING_ORDER):
        client.post(
            f"/sandboxes/{sandbox}/openapi/v2/order/orders/{order}/refund", json={}, headers=AUTH
        )
    pending = scrape(client)
    kakaclo = {"platform": "kakaclo"}

    def change(samples: Samples, status: str) -> float:
        return value(samples, "mockrefund_refunds", **kakaclo, status=status) - value(
            before, "mockrefund_refunds", **kakaclo, status=status
        )

    assert change(pending, "pending") == 4
    assert change(pending, "succeeded") == change(pending, "failed") == 0
    assert value(alone, "mockrefund_sandboxes") == 1
    assert value(pending, "mockrefund_sandboxes") == 2
    journal = client.get(f"/__admin/sandboxes/{sandbox}/requests").json()["requests"]
    assert len(journal) == 4
    assert value(pending, "mockrefund_journal_entries") == (
        value(before, "mockrefund_journal_entries") + 4
    )
    # Every platform and status is there from the start, at 0 when none.
    assert value(alone, "mockrefund_refunds", platform="shopline", status="failed") == 0
    assert ("mockrefund_refunds", frozenset({("platform", "shopline"), ("status", "failed")})) in (
        alone
    )

    client.post(f"/__admin/sandboxes/{sandbox}/clock/advance", json={"seconds": 30 * 86400})
    settled = scrape(client)
    assert change(settled, "pending") == 0
    assert change(settled, "succeeded") == 3
    assert change(settled, "failed") == 1

    client.delete(f"/__admin/sandboxes/{sandbox}")
    gone = scrape(client)
    assert value(gone, "mockrefund_sandboxes") == 1
    for status in ("pending", "succeeded", "failed"):
        assert value(gone, "mockrefund_refunds", **kakaclo, status=status) == value(
            alone, "mockrefund_refunds", **kakaclo, status=status
        )
    assert value(gone, "mockrefund_journal_entries") == value(alone, "mockrefund_journal_entries")


def test_metrics_need_the_admin_token_when_one_is_set() -> None:
    with TestClient(create_app(make_settings(admin_token="s3cret"))) as client:
        assert client.get("/__admin/metrics").status_code == 401
        samples = scrape(client, authorization="Bearer s3cret")
    assert value(samples, "mockrefund_sandboxes") == 1


def test_a_method_nobody_routes_is_counted_as_other(client: TestClient) -> None:
    client.request("BREW", "/openapi/v2/order/orders", headers=AUTH)
    client.request("SPLASH", "/openapi/v2/order/orders", headers=AUTH)
    samples = scrape(client)
    methods = {dict(labels).get("method") for name, labels in samples if "requests_total" in name}
    assert "OTHER" in methods
    assert not methods & {"BREW", "SPLASH"}


def test_a_scrape_reads_the_database_with_three_queries_whatever_it_holds() -> None:
    with TestClient(create_app(make_settings(read_cache=False))) as client:
        counts = []
        for _ in range(2):
            sandbox = client.post("/__admin/sandboxes").json()["id"]
            for order in ORDERS:
                client.post(
                    f"/sandboxes/{sandbox}/openapi/v2/order/orders/{order}/refund",
                    json={},
                    headers=AUTH,
                )
            seen = Statements(client).recording(lambda: scrape(client))
            counts.append([s for s in seen if not s.upper().startswith("BEGIN")])
    assert [len(statements) for statements in counts] == [3, 3]
    assert all(s.lstrip().upper().startswith("SELECT") for s in counts[0])
