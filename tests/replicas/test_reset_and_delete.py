"""A reset through one server clears, for both, everything the other left in the sandbox:
refunds, fault rules, rate-limit switches, forced outcomes and the journal. A delete
through one is a 404 on the other, in each platform's own format."""

import pytest

from tests.platforms.shopline.conftest import SEED_BODY, SEED_ORDER
from tests.replicas.apis import (
    Admin,
    Kakaclo,
    Sandbox,
    Shopline,
    Woo,
    assert_sandbox_gone,
    create_sandbox,
    describe,
    expect,
)
from tests.replicas.servers import Pair, Server

pytestmark = pytest.mark.e2e
OFF = {"kakaclo": False, "shopline": False}
ORDER = "1000000463303"


def kakaclo_refund_status(sandbox: Sandbox, server: Server) -> str:
    """A whole-order refund of ORDER, and its status as the query shows it at once."""
    kakaclo = Kakaclo(sandbox)
    answer = expect(kakaclo.refund(server, ORDER, {}), 200)
    assert answer.json()["code"] == 10000, describe(answer)
    (refund,) = kakaclo.refunds(server, ORDER)
    status: str = refund["refundStatus"]
    return status


def leave_everything_behind(sandbox: Sandbox, server: Server) -> None:
    """Refunds on each platform, a fault rule, both rate limits and a forced outcome, all
    through `server`."""
    admin = Admin(sandbox)
    expect(Shopline(sandbox).refund(server, SEED_BODY), 200)
    expect(Woo(sandbox).create(server, 645, {"amount": 10}), 201)
    # A Kakaclo refund that takes one forced failure of three: the rest wait.
    admin.force(server, outcome="failed", platform="kakaclo", after_seconds=0, count=3)
    assert kakaclo_refund_status(sandbox, server) == "refund_failed"
    admin.add_fault(server, platform="woocommerce", status=503)
    admin.switch_rate_limits(server, kakaclo=True, shopline=True)


def test_reset_through_one_clears_everything_on_both(pair: Pair, sandbox: Sandbox) -> None:
    admin = Admin(sandbox)
    a, b = pair.servers
    leave_everything_behind(sandbox, a)
    # Seen through B before the reset, so that its emptiness after means something.
    assert len(admin.faults(b)) == 1
    assert [o["remaining"] for o in admin.outcomes(b)] == [2]
    assert admin.rate_limits(b) == {"kakaclo": True, "shopline": True}
    assert admin.journal_count(b) == 4

    assert admin.reset(b)["id"] == sandbox.id

    for server in pair.servers:
        assert admin.faults(server) == [], server
        assert admin.outcomes(server) == [], server
        assert admin.rate_limits(server) == OFF, server
        assert admin.journal_count(server) == 0, server
        assert admin.journal(server) == [], server
    assert Kakaclo(sandbox).refunds(a, ORDER) == []
    assert expect(Shopline(sandbox).refunds(a, SEED_ORDER), 200).json()["refunds"] == []
    # The fault would answer 503: WooCommerce answers, with the fixtures' refund alone.
    assert [r["id"] for r in Woo(sandbox).refunds(a, 645)] == [647]
    # The forced failures left would make this one fail at once.
    assert kakaclo_refund_status(sandbox, a) == "pending_review"
    assert admin.journal_count(b) == 5  # the five calls since the reset, and only those


def test_delete_through_one_is_a_404_on_the_other(pair: Pair) -> None:
    a, b = pair.servers
    sandbox = create_sandbox(b)
    leave_everything_behind(sandbox, b)
    expect(a.http.delete(sandbox.admin), 204)
    for server in (b, a):
        assert_sandbox_gone(server, sandbox)
        expect(server.http.get(f"{sandbox.admin}/requests"), 404)
        expect(server.http.get(f"{sandbox.admin}/faults"), 404)
