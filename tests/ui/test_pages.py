"""The dashboard's pages and buttons in process: the token, escaping, the journal's
refresh, bounds, and buttons keeping the control plane's rules."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mockrefund.app import create_app
from mockrefund.dashboard import pages, views
from tests.conftest import make_settings
from tests.platforms.kakaclo.conftest import AUTH, SEED_ITEMS

UI = "/__admin/ui"
DEFAULT = f"{UI}/sandboxes/default"
HTMX = {"HX-Request": "true"}
REFUND = "/openapi/v2/order/orders/{}/refund"


def statuses(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-refund="([^"]+)" data-status="([^"]+)"', html))


def test_the_dashboard_address_without_its_slash_redirects(client: TestClient) -> None:
    answer = client.get(UI, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (307, f"{UI}/")


def test_the_list_is_the_control_planes_list(client: TestClient) -> None:
    made = client.post("/__admin/sandboxes").json()["id"]
    page = client.get(f"{UI}/").text
    listed = [sandbox["id"] for sandbox in client.get("/__admin/sandboxes").json()]
    assert re.findall(r'href="/__admin/ui/sandboxes/([^"]+)"', page) == listed == ["default", made]


def test_the_dashboard_is_not_in_the_control_planes_document(client: TestClient) -> None:
    paths = client.get("/__admin/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith(UI)]


def test_an_unknown_or_hidden_sandbox_is_not_found(client: TestClient) -> None:
    for name in ("nope", "template:default"):
        page = client.get(f"{UI}/sandboxes/{name}")
        assert page.status_code == 404
        assert "No such sandbox" in page.text
        assert "10001" not in page.text
    stopped = client.get(f"{UI}/sandboxes/nope/journal/entries?after=0")
    assert stopped.status_code == pages.STOP_POLLING  # htmx stops polling on it


def test_buttons_act_only_for_the_pages_own_requests(client: TestClient) -> None:
    before = client.get("/__admin/clock").json()["now"]
    refused = client.post(f"{DEFAULT}/clock/advance", data={"seconds": "3600"})
    assert refused.status_code == 400
    assert client.get("/__admin/clock").json()["now"] == before
    done = client.post(f"{DEFAULT}/clock/advance", data={"seconds": "3600"}, headers=HTMX)
    assert "Clock advanced by 1 h" in done.text
    assert client.get("/__admin/clock").json()["now"] != before


def test_a_refused_button_says_why_and_changes_nothing(client: TestClient) -> None:
    before = client.get("/__admin/clock").json()["now"]
    too_far = client.post(f"{DEFAULT}/clock/advance", data={"seconds": "1e12"}, headers=HTMX)
    assert too_far.status_code == 200
    assert "seconds: Input should be less than or equal to 315360000" in too_far.text
    assert client.get("/__admin/clock").json()["now"] == before

    unknown = client.post(f"{DEFAULT}/orders/kakaclo/404/ship", headers=HTMX)
    assert "order 404 does not exist" in unknown.text
    outcome = client.post(
        f"{DEFAULT}/outcomes", data={"outcome": "maybe", "platform": "kakaclo"}, headers=HTMX
    )
    assert "outcome: Input should be &#39;succeeded&#39; or &#39;failed&#39;" in outcome.text
    assert client.get("/__admin/outcomes").json() == {"outcomes": []}


def test_the_sandbox_page_shows_refund_states_and_their_timeline(client: TestClient) -> None:
    number = str(client.post(REFUND.format("10001"), json=SEED_ITEMS, headers=AUTH).json()["data"])
    state = client.get(f"{DEFAULT}/state").text
    assert statuses(state)[number] == "pending"
    assert "succeeded when due" in state
    client.post("/__admin/clock/advance", json={"seconds": 86400})
    state = client.get(f"{DEFAULT}/state").text
    assert statuses(state)[number] == "succeeded"


def test_ship_and_cancel_change_the_order_as_the_control_plane_does(client: TestClient) -> None:
    shipped = client.post(f"{DEFAULT}/orders/kakaclo/10001/ship", headers=HTMX)
    assert "kakaclo order 10001 shipped." in shipped.text
    order = client.post("/__admin/orders/kakaclo/10001/pay").json()  # reads it back
    assert all(item["shipped"] == item["quantity"] for item in order["items"].values())
    assert order["cancelled"] is False
    cancelled = client.post(f"{DEFAULT}/orders/kakaclo/10001/cancel", headers=HTMX)
    assert "kakaclo order 10001 cancelled." in cancelled.text
    assert client.post("/__admin/orders/kakaclo/10001/pay").json()["cancelled"] is True
    elsewhere = client.post(f"{DEFAULT}/orders/kakaclo/10001/ship?store=nope", headers=HTMX)
    refused = client.post("/__admin/orders/kakaclo/10001/ship?store=nope")
    assert refused.status_code == 404
    assert refused.json()["error"] in elsewhere.text.replace("&#39;", "'")


def test_what_callers_sent_is_escaped(client: TestClient) -> None:
    client.get("/openapi/v2/order/orders/<script>alert(1)</script>", headers=AUTH)
    client.post(
        REFUND.format("10001"),
        content=b'{"note": "<img src=x onerror=alert(2)>"}',
        headers={**AUTH, "X-Evil": "<b>bold</b>", "Content-Type": "application/json"},
    )
    page = client.get(f"{DEFAULT}/journal").text
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


def test_the_journal_refresh_sends_only_what_is_new(client: TestClient) -> None:
    client.post(REFUND.format("10001"), json=SEED_ITEMS, headers=AUTH)
    page = client.get(f"{DEFAULT}/journal").text
    last = int(re.findall(r"after=(\d+)", page)[0])
    assert page.count('class="entry"') == 1
    assert client.get(f"{DEFAULT}/journal/entries?after={last}").status_code == 204

    client.get("/openapi/v2/order/orders", headers=AUTH)
    fresh = client.get(f"{DEFAULT}/journal/entries?after={last}")
    assert fresh.status_code == 200
    assert fresh.text.count('class="entry"') == 1
    assert "GET</b> <code>/openapi/v2/order/orders" in fresh.text
    newer = int(re.findall(r'hx-swap-oob="true" hx-get="[^"]*after=(\d+)"', fresh.text)[0])
    assert newer > last
    assert client.get(f"{DEFAULT}/journal/entries?after={newer}").status_code == 204
    assert client.get(f"{DEFAULT}/journal/entries?after={2**64}").status_code == 400


def test_a_sandboxs_journal_shows_only_its_own_requests(client: TestClient) -> None:
    other = client.post("/__admin/sandboxes").json()["id"]
    client.post(f"/sandboxes/{other}" + REFUND.format("10001"), json={}, headers=AUTH)
    assert client.get(f"{DEFAULT}/journal").text.count('class="entry"') == 0
    assert client.get(f"{UI}/sandboxes/{other}/journal").text.count('class="entry"') == 1


def test_pages_are_bounded_whatever_a_sandbox_holds(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "ORDERS_SHOWN", 1)
    monkeypatch.setattr(views, "REFUNDS_SHOWN", 1)
    monkeypatch.setattr(pages, "JOURNAL_SHOWN", 2)
    first = client.post(REFUND.format("10001"), json=SEED_ITEMS, headers=AUTH).json()["data"]
    second = client.post(REFUND.format("10001"), json={}, headers=AUTH).json()["data"]
    client.get("/openapi/v2/order/orders", headers=AUTH)
    state = client.get(f"{DEFAULT}/state").text
    assert set(statuses(state)) == {str(second)} != {str(first)}
    assert "and 1 earlier refunds" in state
    assert "orders changed longer ago" in state
    assert client.get(f"{DEFAULT}/journal").text.count('class="entry"') == 2


@pytest.fixture
def guarded() -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(admin_token="s3cret"))) as client:
        yield client


def test_with_a_token_the_pages_ask_for_it_and_show_nothing_else(guarded: TestClient) -> None:
    for path in (f"{UI}/", DEFAULT, f"{DEFAULT}/journal", f"{UI}/static/htmx.min.js"):
        asked = guarded.get(path)
        assert asked.status_code == 401
        assert 'name="token"' in asked.text
        assert "10001" not in asked.text
        assert "kakaclo-test-token" not in asked.text
    from_the_page = guarded.get(f"{DEFAULT}/state", headers=HTMX)
    assert from_the_page.status_code == 401
    assert from_the_page.headers["hx-refresh"] == "true"  # the page reloads to the form
    acted = guarded.post(f"{DEFAULT}/clock/advance", data={"seconds": "60"}, headers=HTMX)
    assert acted.status_code == 401
    assert guarded.get(DEFAULT, headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_signing_in_sets_a_cookie_for_the_dashboard_only(guarded: TestClient) -> None:
    wrong = guarded.post(f"{UI}/sign-in", data={"token": "nope", "next": DEFAULT})
    assert wrong.status_code == 401
    assert "That is not the admin token." in wrong.text
    assert "set-cookie" not in wrong.headers

    right = guarded.post(
        f"{UI}/sign-in", data={"token": "s3cret", "next": DEFAULT}, follow_redirects=False
    )
    assert (right.status_code, right.headers["location"]) == (303, DEFAULT)
    cookie = right.headers["set-cookie"]
    assert cookie.startswith("mockrefund_admin_token=s3cret;")
    assert "HttpOnly" in cookie
    assert "Path=/__admin/ui" in cookie
    assert "SameSite=strict" in cookie
    page = guarded.get(DEFAULT)
    assert page.status_code == 200
    assert 'data-order="10001"' in page.text

    # The cookie opens the dashboard, not the control plane's JSON API.
    sent = {"Cookie": "mockrefund_admin_token=s3cret"}
    guarded.cookies.clear()
    assert guarded.get(DEFAULT, headers=sent).status_code == 200
    assert guarded.get("/__admin/sandboxes", headers=sent).status_code == 401
    assert guarded.get(DEFAULT, headers={"Cookie": "mockrefund_admin_token=x"}).status_code == 401


def test_signing_in_returns_only_to_a_dashboard_page(guarded: TestClient) -> None:
    for elsewhere in ("https://example.com/", "//example.com", "/__admin/sandboxes", ""):
        answer = guarded.post(
            f"{UI}/sign-in", data={"token": "s3cret", "next": elsewhere}, follow_redirects=False
        )
        assert answer.headers["location"] == f"{UI}/"


def test_signing_out_forgets_the_cookie(guarded: TestClient) -> None:
    guarded.post(f"{UI}/sign-in", data={"token": "s3cret"})
    assert guarded.get(f"{UI}/").status_code == 200
    out = guarded.post(f"{UI}/sign-out", follow_redirects=False)
    assert 'mockrefund_admin_token=""' in out.headers["set-cookie"]
    guarded.cookies.clear()  # as the browser does with the expired cookie
    assert guarded.get(f"{UI}/").status_code == 401
