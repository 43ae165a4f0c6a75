"""Metrics over replicas: what the database holds is the same from either server; what a
server did is its own."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.replicas.apis import Kakaclo, create_sandbox, delete_sandbox, expect
from tests.replicas.servers import Pair, Server

pytestmark = pytest.mark.e2e
ORDERS = ("10001", "1000000463303", "1000000463310")
REFUND_ROUTE = "/openapi/v2/order/orders/{order_id}/refund"
HELD = ("mockrefund_refunds", "mockrefund_sandboxes", "mockrefund_journal_entries")

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(server: Server) -> Samples:
    answer = expect(server.http.get("/__admin/metrics"), 200)
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def held(samples: Samples) -> Samples:
    return {key: value for key, value in samples.items() if key[0] in HELD}


def refunds_answered(samples: Samples) -> float:
    labels = {"platform": "kakaclo", "route": REFUND_ROUTE, "method": "POST", "status": "200"}
    return samples.get(("mockrefund_requests_total", frozenset(labels.items())), 0.0)


def test_either_replica_reports_what_the_database_holds(pair: Pair) -> None:
    a, b = pair.servers
    sandbox = create_sandbox(a)
    try:
        before_a, before_b = scrape(a), scrape(b)
        kakaclo = Kakaclo(sandbox)
        for order in ORDERS:
            assert expect(kakaclo.refund(a, order, {}), 200).json()["code"] == 10000
        after_a, after_b = scrape(a), scrape(b)
    finally:
        delete_sandbox(b, sandbox)

    assert held(after_a) == held(after_b)
    pending = ("mockrefund_refunds", frozenset({("platform", "kakaclo"), ("status", "pending")}))
    assert after_b[pending] == before_b[pending] + 3
    entries = ("mockrefund_journal_entries", frozenset())
    assert after_b[entries] == before_b[entries] + 3
    # The requests are counted by the server that answered them.
    assert refunds_answered(after_a) == refunds_answered(before_a) + 3
    assert refunds_answered(after_b) == refunds_answered(before_b)
