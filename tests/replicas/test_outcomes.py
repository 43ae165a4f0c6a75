"""A forced outcome is taken once, whichever server the refunds reach: with `count: 1`
and two refunds at once, one through each server, exactly one refund gets it."""

import pytest

from tests.replicas.apis import Admin, Kakaclo, Sandbox, at_once, describe, expect
from tests.replicas.orders import (
    ORDER_ID,
    PLATFORMS,
    add_large_orders,
    granted_id,
    refund_one_unit,
)
from tests.replicas.servers import Pair, Server

pytestmark = pytest.mark.e2e
TRIALS = 4
FORCED, USUAL = "forced", "usual"


def refund(platform: str, sandbox: Sandbox, server: Server) -> str:
    """Refund one unit; whether it took the forced failure, which settles at once: Kakaclo
    shows it in the refund's status, SHOPLINE in its transactions', WooCommerce as the
    gateway's 500 (its refunds are final when made)."""
    answer = refund_one_unit(platform, sandbox, server)
    if platform == "woocommerce":
        expect(answer, 201, 500)
        if answer.status_code == 201:
            return USUAL
        code = answer.json()["errors"][0]["code"]
        assert code == "woocommerce_api_create_order_refund_api_failed", describe(answer)
        return FORCED
    number = granted_id(platform, answer)
    assert number is not None, describe(answer)
    if platform == "shopline":
        (status,) = {t["status"] for t in answer.json()["data"]["transactions"]}
        assert status in ("failure", "pending"), describe(answer)
        return FORCED if status == "failure" else USUAL
    listed = Kakaclo(sandbox).refunds(server, ORDER_ID)
    (status,) = [r["refundStatus"] for r in listed if r["refundNo"] == number]
    assert status in ("refund_failed", "pending_review"), status
    return FORCED if status == "refund_failed" else USUAL


@pytest.mark.parametrize("platform", PLATFORMS)
def test_count_1_is_taken_by_one_of_two_refunds_at_once(
    pair: Pair, sandbox: Sandbox, platform: str
) -> None:
    admin = Admin(sandbox)
    add_large_orders(sandbox, pair.a)
    for trial, forcer in enumerate(pair.alternating(TRIALS)):
        # after_seconds 0: the forced failure is final in the create call's own answer.
        admin.force(forcer, outcome="failed", platform=platform, after_seconds=0, count=1)
        waiting = admin.outcomes(pair.other(forcer))
        assert [(o["outcome"], o["remaining"]) for o in waiting] == [("failed", 1)], trial

        got = at_once([lambda s=s: refund(platform, sandbox, s) for s in pair.servers])
        assert sorted(got) == [FORCED, USUAL], trial
        for server in pair.servers:
            assert admin.outcomes(server) == [], (trial, server)


def test_status_reads_are_counted_over_both_servers(pair: Pair, sandbox: Sandbox) -> None:
    # Two reads pending, the third failed: whichever servers the reads went to.
    admin, kakaclo = Admin(sandbox), Kakaclo(sandbox)
    admin.force(pair.a, outcome="failed", platform="kakaclo", after_reads=2)
    created = expect(kakaclo.refund(pair.b, "1000000463303", {}), 200)
    assert created.json()["code"] == 10000, describe(created)
    seen = [kakaclo.refunds(s, "1000000463303")[0]["refundStatus"] for s in pair.alternating(4)]
    assert seen == ["pending_review", "pending_review", "refund_failed", "refund_failed"]
