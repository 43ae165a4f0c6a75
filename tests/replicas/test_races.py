"""64 clients at once, half on each server, refunding one order: never more is refunded
than there was, whichever process each request reaches."""

from decimal import Decimal

import pytest

from tests.platforms.shopline.conftest import SLIP_B, TWO_SLIPS_ORDER
from tests.replicas.apis import Kakaclo, Sandbox, Shopline, Woo, at_once, describe, expect
from tests.replicas.servers import Pair

pytestmark = pytest.mark.e2e
CLIENTS = 64


def test_kakaclo_whole_order_refunds(pair: Pair, sandbox: Sandbox) -> None:
    # An empty body refunds everything that is left: only one of them can.
    kakaclo = Kakaclo(sandbox)
    order = "1000000463303"
    servers = list(pair.alternating(CLIENTS))
    answers = at_once([lambda s=s: kakaclo.refund(s, order, {}) for s in servers])
    codes = [(expect(answer, 200, 409).status_code, answer.json()["code"]) for answer in answers]
    assert (codes.count((200, 10000)), codes.count((409, 50005))) == (1, CLIENTS - 1), codes
    for server in pair.servers:
        assert len(kakaclo.refunds(server, order)) == 1
        assert Decimal(str(kakaclo.order(server, order)["refundableAmount"])) == 0


def test_shopline_shipping_refunds(pair: Pair, sandbox: Sandbox) -> None:
    # The order's 6.00 of shipping, asked for by every client: granted once.
    shopline = Shopline(sandbox)
    body = {
        "order_id": TWO_SLIPS_ORDER,
        "shipping": {"amount": "6.00"},
        "transactions": [{"id": SLIP_B, "amount": "0.10"}],
    }
    servers = list(pair.alternating(CLIENTS))
    answers = at_once([lambda s=s: shopline.refund(s, body) for s in servers])
    statuses = [answer.status_code for answer in answers]
    assert (statuses.count(200), statuses.count(422)) == (1, CLIENTS - 1), statuses
    for server in pair.servers:
        refunds = expect(shopline.refunds(server, TWO_SLIPS_ORDER), 200).json()["refunds"]
        shipping = [
            adjustment["amount"]
            for refund in refunds
            for adjustment in refund["order_adjustments"]
            if adjustment["kind"] == "shipping_refund"
        ]
        assert shipping == ["6.00"]


def test_woocommerce_refunds_up_to_what_is_left(pair: Pair, sandbox: Sandbox) -> None:
    # Order 645 has 43.99 left: eight refunds of 5.00 fit (40.00), a ninth does not.
    woo = Woo(sandbox)
    servers = list(pair.alternating(CLIENTS))
    answers = at_once([lambda s=s: woo.create(s, 645, {"amount": "5.00"}) for s in servers])
    statuses = [answer.status_code for answer in answers]
    assert (statuses.count(201), statuses.count(400)) == (8, CLIENTS - 8), statuses
    for answer in answers:
        if answer.status_code == 400:
            code = answer.json()["errors"][0]["code"]
            assert code == "woocommerce_api_cannot_create_order_refund", describe(answer)
    created = sorted(a.json()["order_refund"]["id"] for a in answers if a.status_code == 201)
    assert len(set(created)) == 8
    for server in pair.servers:
        listed = woo.refunds(server, 645)
        assert sorted(r["id"] for r in listed) == sorted([647, *created])
        assert sum(Decimal(r["amount"]) for r in listed) == Decimal("61.99")
