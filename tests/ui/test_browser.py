"""The dashboard driven as a person would, in headless Chromium against the real server."""

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.server import Server, running_server
from tests.platforms.kakaclo.conftest import AUTH, SEED_ITEMS

pytestmark = pytest.mark.e2e
REFUND = "/sandboxes/{}/openapi/v2/order/orders/10001/refund"


def create_sandbox_from_the_page(page: Page, server: Server) -> str:
    page.goto(f"{server.url}/__admin/ui/")
    expect(page.get_by_label("clock frozen")).to_be_checked()
    page.get_by_role("button", name="Create a sandbox").click()
    page.wait_for_url(re.compile(r"/__admin/ui/sandboxes/sbx_[^/]+$"))
    sandbox_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_role("heading", name=f"Sandbox {sandbox_id}")).to_be_visible()
    return sandbox_id


def refund(server: Server, sandbox_id: str, body: dict[str, object]) -> str:
    answer = httpx.post(server.url + REFUND.format(sandbox_id), json=body, headers=AUTH)
    assert answer.json()["code"] == 10000, answer.text
    return str(answer.json()["data"])


def test_a_refund_made_through_the_api_shows_pending_then_settles_with_the_clock_button(
    page: Page, server: Server
) -> None:
    sandbox_id = create_sandbox_from_the_page(page, server)
    listed = httpx.get(f"{server.url}/__admin/sandboxes").json()
    assert sandbox_id in [sandbox["id"] for sandbox in listed]

    number = refund(server, sandbox_id, SEED_ITEMS)
    row = page.locator(f'tr.refund[data-refund="{number}"]')
    # No reload: the page fetches the sandbox's state again by itself.
    expect(row).to_have_attribute("data-status", "pending")
    expect(row.locator("ol.timeline")).to_contain_text("accepted")
    order = page.locator('table[data-platform="kakaclo"] tr.order[data-order="10001"]')
    expect(order).to_contain_text("(1)")  # one refund pending

    page.get_by_role("button", name="+1 day").click()
    expect(page.locator("#flash")).to_contain_text("Clock advanced by 1 d; 1 settled.")
    expect(row).to_have_attribute("data-status", "succeeded")
    expect(row.locator("ol.timeline li")).to_have_count(3)  # accepted, pending, succeeded
    expect(order).not_to_contain_text("(1)")
    clock = httpx.get(f"{server.url}/__admin/sandboxes/{sandbox_id}/clock").json()
    assert clock["frozen"] is True


def test_a_failure_forced_from_the_page_fails_the_next_refund(page: Page, server: Server) -> None:
    sandbox_id = create_sandbox_from_the_page(page, server)
    kakaclo = page.locator("table.force tr", has_text="kakaclo")
    kakaclo.get_by_role("button", name="Next fails").click()
    expect(page.locator("#outcomes")).to_contain_text("failed for 1 kakaclo refund")
    forced = httpx.get(f"{server.url}/__admin/sandboxes/{sandbox_id}/outcomes").json()
    assert [(f["outcome"], f["platform"]) for f in forced["outcomes"]] == [("failed", "kakaclo")]

    number = refund(server, sandbox_id, SEED_ITEMS)
    page.get_by_role("button", name="+1 day").click()
    expect(page.locator(f'tr.refund[data-refund="{number}"]')).to_have_attribute(
        "data-status", "failed"
    )
    expect(page.locator("#outcomes")).to_have_text("None.")  # used up
    # The one after it is not forced.
    second = refund(server, sandbox_id, {})
    page.get_by_role("button", name="+1 day").click()
    expect(page.locator(f'tr.refund[data-refund="{second}"]')).to_have_attribute(
        "data-status", "succeeded"
    )


def test_the_custom_advance_and_freeze_buttons_move_the_sandbox_clock(
    page: Page, server: Server
) -> None:
    sandbox_id = create_sandbox_from_the_page(page, server)
    clock_url = f"{server.url}/__admin/sandboxes/{sandbox_id}/clock"
    before = httpx.get(clock_url).json()["now"]
    page.get_by_label("Advance the clock by").fill("90")
    page.get_by_label("unit").select_option("minutes")
    page.get_by_role("button", name="Advance", exact=True).click()
    expect(page.locator("#flash")).to_contain_text("Clock advanced by 1 h 30 min")
    after = httpx.get(clock_url).json()
    assert _seconds_between(before, after["now"]) == 5400

    page.get_by_role("button", name="Unfreeze").click()
    expect(page.locator("#clock-mode")).to_have_text("running, scale 1.0")
    assert httpx.get(clock_url).json()["frozen"] is False
    page.get_by_role("button", name="Freeze").click()
    expect(page.locator("#clock-mode")).to_have_text("frozen")
    assert httpx.get(clock_url).json()["frozen"] is True


def test_ship_cancel_and_reset_buttons(page: Page, server: Server) -> None:
    sandbox_id = create_sandbox_from_the_page(page, server)
    order = page.locator('table[data-platform="kakaclo"] tr.order[data-order="10001"]')
    order.get_by_role("button", name="Ship").click()
    expect(page.locator("#flash")).to_contain_text("kakaclo order 10001 shipped.")
    shipped = httpx.post(server.url + REFUND.format(sandbox_id), json={}, headers=AUTH).json()
    assert shipped["code"] != 10000  # the emulated API refuses a shipped order's refund

    page.get_by_role("button", name="Reset the sandbox").click()  # the dialog is accepted
    expect(page.locator("#flash")).to_contain_text("Sandbox reset to its fixtures.")
    expect(order.get_by_role("button", name="Ship")).to_be_visible()
    order.get_by_role("button", name="Cancel").click()
    expect(page.locator("#flash")).to_contain_text("kakaclo order 10001 cancelled.")
    expect(order.get_by_role("button", name="Ship")).to_have_count(0)
    cancelled = httpx.post(server.url + REFUND.format(sandbox_id), json={}, headers=AUTH).json()
    assert cancelled["code"] != 10000


def test_the_live_journal_shows_a_new_request_with_its_exchange_and_curl(
    page: Page, server: Server
) -> None:
    sandbox_id = create_sandbox_from_the_page(page, server)
    page.get_by_role("link", name="Journal").click()
    expect(page.get_by_text("No requests yet.")).to_be_visible()

    rule = httpx.post(
        f"{server.url}/__admin/sandboxes/{sandbox_id}/faults",
        json={"path": "/orders/10001/refund$", "status": 503, "times": 1},
    ).json()
    refused = httpx.post(server.url + REFUND.format(sandbox_id), json=SEED_ITEMS, headers=AUTH)
    assert refused.status_code == 503
    number = refund(server, sandbox_id, SEED_ITEMS)

    entries = page.locator("details.entry")
    expect(entries).to_have_count(2)  # without reloading the page
    expect(page.get_by_text("No requests yet.")).to_be_hidden()
    newest, faulted = entries.nth(0), entries.nth(1)
    expect(newest.locator("summary")).to_contain_text("200")
    expect(faulted.locator("summary")).to_contain_text(f"fault #{rule['id']}")

    newest.locator("summary").click()
    expect(newest.locator("table.headers").first).to_contain_text("Bearer kakaclo-test-token")
    expect(newest.locator("pre.body").first).to_contain_text('"itemId": "120001"')
    expect(newest.locator("pre.body").last).to_contain_text(f'"data": {number}')
    faulted.locator("summary").click()
    expect(faulted).to_contain_text(f"Answered by fault rule #{rule['id']}")

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    newest.get_by_role("button", name="Copy as curl").click()
    expect(newest.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"curl -X POST {server.url}{REFUND.format(sandbox_id)} ")
    assert "-H 'authorization: Bearer kakaclo-test-token'" in copied
    assert "--data-raw" in copied


def test_with_an_admin_token_the_pages_ask_for_it_first(
    page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCKREFUND_ADMIN_TOKEN", "s3cret")
    with running_server(tmp_path / "guarded.db") as server:
        page.goto(f"{server.url}/__admin/ui/sandboxes/default")
        expect(page.get_by_label("Admin token")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("kakaclo-test-token")
        expect(page.locator("body")).not_to_contain_text("10001")

        page.get_by_label("Admin token").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_have_text("That is not the admin token.")
        expect(page.locator("body")).not_to_contain_text("10001")

        page.get_by_label("Admin token").fill("s3cret")
        page.get_by_role("button", name="Sign in").click()
        # Back on the page asked for, with its data.
        expect(page.get_by_role("heading", name="Sandbox default")).to_be_visible()
        assert page.url == f"{server.url}/__admin/ui/sandboxes/default"
        expect(page.locator('tr.order[data-order="10001"]')).to_be_visible()
        page.get_by_role("button", name="+1 hour").click()  # buttons work signed in
        expect(page.locator("#flash")).to_contain_text("Clock advanced by 1 h")

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_label("Admin token")).to_be_visible()


def _seconds_between(earlier: str, later: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()
