"""The dashboard on two servers of one database: a button pressed on one acts for both,
and each page shows what was done through the other."""

import re

import pytest

from tests.platforms.kakaclo.conftest import AUTH, SEED_ITEMS
from tests.replicas.apis import Admin, Sandbox, expect
from tests.replicas.servers import Pair, Server

pytestmark = pytest.mark.e2e
HTMX = {"HX-Request": "true"}


def page(sandbox: Sandbox) -> str:
    return f"/__admin/ui/sandboxes/{sandbox.id}"


def refund_states(server: Server, sandbox: Sandbox) -> dict[str, str]:
    html = expect(server.http.get(f"{page(sandbox)}/state"), 200).text
    return dict(re.findall(r'data-refund="([^"]+)" data-status="([^"]+)"', html))


def press(server: Server, sandbox: Sandbox, button: str, **form: str) -> str:
    answer = server.http.post(f"{page(sandbox)}/{button}", data=form, headers=HTMX)
    return expect(answer, 200).text


def test_buttons_and_pages_agree_across_servers(pair: Pair, sandbox: Sandbox) -> None:
    listed = expect(pair.b.http.get("/__admin/ui/"), 200).text
    assert f'href="/__admin/ui/sandboxes/{sandbox.id}"' in listed

    refund = f"{sandbox.bases['kakaclo']}/v2/order/orders/10001/refund"
    first = str(expect(pair.a.http.post(refund, json=SEED_ITEMS, headers=AUTH), 200).json()["data"])
    assert refund_states(pair.b, sandbox)[first] == "pending"

    assert "The next kakaclo refund will end failed." in press(
        pair.b, sandbox, "outcomes", outcome="failed", platform="kakaclo"
    )
    forced = Admin(sandbox).outcomes(pair.a)
    assert [(f["outcome"], f["platform"]) for f in forced] == [("failed", "kakaclo")]
    second = str(expect(pair.a.http.post(refund, json={}, headers=AUTH), 200).json()["data"])

    assert "2 settled" in press(pair.a, sandbox, "clock/advance", seconds="86400")
    seen_by_b = refund_states(pair.b, sandbox)
    assert (seen_by_b[first], seen_by_b[second]) == ("succeeded", "failed")
    assert seen_by_b == refund_states(pair.a, sandbox)
    journal = expect(pair.b.http.get(f"{page(sandbox)}/journal"), 200).text
    assert journal.count('class="entry"') == 2
