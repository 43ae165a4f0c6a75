"""The Python client against the real server process: sandboxes, their clocks, reset, delete;
and the helpers that drive a sandbox: orders, forced outcomes, faults, rate limits, journal.

One server for the module; each test makes its own sandbox. Time is the sandbox's mock clock.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockrefund.client import MockrefundError, Sandbox, Server
from tests.e2e.server import free_port, running_server
from tests.platforms.kakaclo.conftest import SEED_ITEMS

pytestmark = pytest.mark.e2e
REFUND = "/v2/order/orders/10001/refund"
QUERY = "/v2/order/orders/refund/10001"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("client") / "client.db"
    with running_server(db) as process, Server(process.url) as client:
        yield client


def kakaclo(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.base_url("kakaclo"),
        headers={"Authorization": f"Bearer {sandbox.token('kakaclo')}"},
    )


def refund(sandbox: Sandbox, body: Any = SEED_ITEMS) -> Any:
    with kakaclo(sandbox) as api:
        return api.post(REFUND, json=body).json()["data"]


def statuses(sandbox: Sandbox) -> list[str]:
    with kakaclo(sandbox) as api:
        listed = api.get(QUERY).json()["data"]["list"]
    return [entry["refundStatus"] for entry in listed]


def test_health(server: Server) -> None:
    assert server.health()["status"] == "ok"


def test_a_sandbox_says_where_clients_point_and_with_what(server: Server) -> None:
    with server.create_sandbox() as sandbox:
        assert sandbox.id.startswith("sbx_")
        assert sandbox.base_url("kakaclo") == f"{server.url}/sandboxes/{sandbox.id}/openapi"
        assert sandbox.base_url("shopline") == f"{server.url}/sandboxes/{sandbox.id}"
        assert sandbox.base_url("woocommerce") == f"{server.url}/sandboxes/{sandbox.id}"
        assert sandbox.admin_url == f"{server.url}/__admin/sandboxes/{sandbox.id}"
        assert sandbox.token("kakaclo") == "kakaclo-test-token"
        # The first key of the platform, in the fixtures' order; or of a named store.
        assert sandbox.token("shopline") == sandbox.credentials("shopline")[0]["key"]
        assert sandbox.token("shopline", store="open001") == "shopline-test-token"
        assert [c["key"] for c in sandbox.credentials("shopline", store="open001")] == [
            "shopline-test-token",
            "shopline-expired-token",
        ]
        woo = sandbox.credentials("woocommerce")
        assert {"key": "ck_mockrefund_test", "secret": "cs_mockrefund_test"}.items() <= woo[
            0
        ].items()
        assert {c["platform"] for c in sandbox.credentials()} == {
            "kakaclo",
            "shopline",
            "woocommerce",
        }
        assert sandbox.id in [listed.id for listed in server.sandboxes()]
        assert server.sandbox(sandbox.id).credentials() == sandbox.credentials()
        with pytest.raises(ValueError, match="unknown platform 'kakaklo'"):
            sandbox.base_url("kakaklo")
        with pytest.raises(ValueError, match="unknown platform"):
            sandbox.credentials("shopify")


def test_two_sandboxes_never_share_data_or_ids(server: Server) -> None:
    with server.create_sandbox() as a, server.create_sandbox() as b:
        assert refund(a) == 10002
        assert refund(b) == 10002
        assert refund(a, {}) == 10003  # the rest of the order
        assert len(statuses(a)) == 2
        assert len(statuses(b)) == 1


def test_the_clock_is_driven_from_the_test(server: Server) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    with server.create_sandbox(seed=5, clock={"at": start, "frozen": True}) as sandbox:
        assert sandbox.description["seed"] == 5
        assert sandbox.clock.now() == start
        assert sandbox.clock.read().frozen is True
        moved = sandbox.clock.advance(timedelta(minutes=30))
        assert (moved.now, moved.settled) == (start + timedelta(minutes=30), 0)
        assert sandbox.clock.advance(90).now == start + timedelta(minutes=31, seconds=30)

        assert refund(sandbox) == 10002
        assert statuses(sandbox) == ["pending_review"]
        assert sandbox.clock.advance(timedelta(days=1)).settled == 1
        assert statuses(sandbox) == ["refund_successfully"]

        later = datetime(2031, 6, 1, 12, tzinfo=UTC)
        assert sandbox.clock.set(later).now == later
        assert sandbox.clock.set("2031-06-02T00:00:00Z").now == datetime(2031, 6, 2, tzinfo=UTC)
        assert sandbox.clock.scale(60).scale == 60
        assert sandbox.clock.resume().frozen is False
        assert sandbox.clock.freeze().frozen is True
        with pytest.raises(ValueError, match="time zone"):
            sandbox.clock.set(datetime(2031, 1, 1))


def test_inline_fixtures(server: Server) -> None:
    fixtures = {
        "stores": [
            {
                "platform": "kakaclo",
                "handle": "mine",
                "credentials": [{"key": "my-token"}],
                "orders": [
                    {
                        "id": "77",
                        "created_at": "2025-01-01T00:00:00Z",
                        "items": [{"id": "1", "quantity": 1, "price": "5.00"}],
                    }
                ],
            }
        ]
    }
    with server.create_sandbox(fixtures=fixtures) as sandbox:
        assert sandbox.credentials() == [
            {
                "platform": "kakaclo",
                "store": "mine",
                "key": "my-token",
                "secret": None,
                "permissions": "read_write",
            }
        ]
        assert sandbox.token("kakaclo") == "my-token"
        with pytest.raises(LookupError, match="no shopline credentials"):
            sandbox.token("shopline")


def test_reset_brings_back_the_fixtures(server: Server) -> None:
    with server.create_sandbox() as sandbox:
        assert refund(sandbox) == 10002
        sandbox.clock.advance(timedelta(hours=3))
        assert sandbox.reset() is sandbox
        assert statuses(sandbox) == []
        assert refund(sandbox) == 10002


def test_the_default_sandbox(server: Server) -> None:
    default = server.default_sandbox()
    assert default.id == "default"
    assert default.admin_url == f"{server.url}/__admin"
    assert default.base_url("kakaclo") == f"{server.url}/openapi"
    assert server.sandboxes()[0].id == "default"
    assert refund(default) == 10002
    default.reset()
    assert refund(default) == 10002
    assert default.clock.now().tzinfo is not None
    with pytest.raises(MockrefundError) as refused:
        default.delete()
    assert refused.value.status == 400
    assert "cannot be deleted" in refused.value.message


def test_delete_and_the_context_manager(server: Server) -> None:
    with server.create_sandbox() as sandbox:
        pass
    with pytest.raises(MockrefundError) as gone:
        server.sandbox(sandbox.id)
    assert gone.value.status == 404
    with pytest.raises(MockrefundError) as again:
        sandbox.delete()
    assert again.value.status == 404
    sandbox.delete(missing_ok=True)

    other = server.create_sandbox()
    other.delete()
    assert other.id not in [listed.id for listed in server.sandboxes()]
    with other:  # already gone: leaving the block is quiet
        pass


@pytest.mark.parametrize(
    ("kwargs", "status", "text"),
    [
        ({"fixtures": "nonexistent"}, 404, "no fixture set named 'nonexistent'"),
        ({"fixtures": {"stores": [{"platform": "kakaclo"}]}}, 400, "stores[0].handle: Field required"),
        ({"clock": {"scale": 0}}, 400, "clock.scale"),
    ],
)  # fmt: skip
def test_admin_errors_carry_status_and_message(
    server: Server, kwargs: dict[str, Any], status: int, text: str
) -> None:
    with pytest.raises(MockrefundError) as refused:
        server.create_sandbox(**kwargs)
    assert refused.value.status == status
    assert text in refused.value.message
    assert str(refused.value).startswith(f"{status}: ")


def test_a_server_that_is_not_there(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with Server(url) as nowhere, pytest.raises(MockrefundError) as refused:
        nowhere.health()
    assert refused.value.status is None
    assert f"cannot reach the mockrefund server at {url}" in refused.value.message


# -- orders ------------------------------------------------------------------------------------

WOO_REFUNDS = "/wc-api/v3/orders/645/refunds"


def woocommerce(sandbox: Sandbox) -> httpx.Client:
    woo = sandbox.credentials("woocommerce")[0]
    return httpx.Client(base_url=sandbox.base_url("woocommerce"), auth=(woo["key"], woo["secret"]))


def kakaclo_refund(sandbox: Sandbox, order_id: str, body: Any = None) -> Any:
    with kakaclo(sandbox) as api:
        return api.post(f"/v2/order/orders/{order_id}/refund", json=body or {}).json()


def test_create_order_adds_an_order_the_api_can_refund(server: Server) -> None:
    order = {
        "id": "555", "created_at": "2025-03-01T00:00:00Z",
        "items": [{"id": "5551", "sku": "S", "quantity": 2, "price": "4.50"}],
    }  # fmt: skip
    with server.create_sandbox() as sandbox:
        assert kakaclo_refund(sandbox, "555")["code"] != 10000  # not there yet
        added = sandbox.create_order("kakaclo", order)
        assert added == {"platform": "kakaclo", "store": "kakaclo-demo", "order_id": "555"}
        assert kakaclo_refund(sandbox, "555") == {"code": 10000, "message": "ok", "data": 10002}
        with kakaclo(sandbox) as api:
            listed = api.get("/v2/order/orders/refund/555").json()["data"]["list"]
        assert [entry["refundStatus"] for entry in listed] == ["pending_review"]

        with pytest.raises(MockrefundError) as twice:
            sandbox.create_order("kakaclo", order, store="kakaclo-demo")
        assert twice.value.status == 409
        assert "exists already" in twice.value.message
        with pytest.raises(MockrefundError) as bad:
            sandbox.create_order("kakaclo", {**order, "id": "556", "status": "open"})
        assert bad.value.status == 400
        with pytest.raises(MockrefundError) as nowhere:
            sandbox.create_order("kakaclo", {**order, "id": "557"}, store="no-such-store")
        assert nowhere.value.status == 404


def test_ship_part_then_all_of_an_order(server: Server) -> None:
    with server.create_sandbox() as sandbox:
        partly = sandbox.ship("kakaclo", 10001, {"120001": 1})
        assert partly["items"]["120001"] == {"quantity": 2, "shipped": 1}
        assert partly["items"]["120002"] == {"quantity": 3, "shipped": 0}
        assert kakaclo_refund(sandbox, "10001")["code"] == 50002  # partially shipped
        whole = sandbox.ship("kakaclo", "10001")
        assert whole["items"] == {
            "120001": {"quantity": 2, "shipped": 2},
            "120002": {"quantity": 3, "shipped": 3},
        }
        assert kakaclo_refund(sandbox, "10001")["code"] == 50001  # shipped
        with pytest.raises(MockrefundError) as too_many:
            sandbox.ship("kakaclo", 10001, {"120001": 1})
        assert too_many.value.status == 400
        assert "cannot ship" in too_many.value.message


def test_cancel_and_mark_paid(server: Server) -> None:
    with server.create_sandbox() as sandbox:
        assert kakaclo_refund(sandbox, "1000000463307")["code"] == 50004  # unpaid
        paid = sandbox.mark_paid("kakaclo", 1000000463307)
        assert paid["paid"] is True
        assert kakaclo_refund(sandbox, "1000000463307")["code"] == 10000

        cancelled = sandbox.cancel("kakaclo", "1000000463303")
        assert (cancelled["cancelled"], cancelled["status"]) == (True, "cancel")
        assert kakaclo_refund(sandbox, "1000000463303")["code"] == 50003

        woo = sandbox.cancel("woocommerce", 700)
        assert woo["status"] == "cancelled"
        with woocommerce(sandbox) as api:
            assert api.get("/wc-api/v3/orders/700").json()["order"]["status"] == "cancelled"


def test_set_gateway_makes_a_woocommerce_refund_fail_then_succeed(server: Server) -> None:
    refund_one = {"order_refund": {"amount": 1}}
    with server.create_sandbox() as sandbox, woocommerce(sandbox) as api:
        failing = sandbox.set_gateway("woocommerce", 645, "fail")
        assert (failing["order_id"], failing["gateway"]) == ("645", "fail")
        failed = api.post(WOO_REFUNDS, json=refund_one)
        assert failed.status_code == 500
        assert "errors" in failed.json()
        assert sandbox.set_gateway("woocommerce", "645", "refund")["gateway"] == "refund"
        assert api.post(WOO_REFUNDS, json=refund_one).status_code == 201


@pytest.mark.parametrize(
    ("call", "status", "text"),
    [
        (lambda s: s.cancel("kakaclo", "nope"), 404, "nope"),
        (lambda s: s.ship("kakaclo", 10001, store="x"), 404, "x"),
        (lambda s: s.mark_paid("shopify", 1), 400, "path.platform: Input should be"),
        (lambda s: s.set_gateway("woocommerce", 999999, "fail"), 404, "999999"),
        (lambda s: s.force_outcome("failed", order=10001), 400, "name the platform"),
        (lambda s: s.remove_fault(12345), 404, "no fault rule 12345"),
        (lambda s: s.add_fault(path="("), 400, "regular expression"),
    ],
)  # fmt: skip
def test_bad_control_calls_raise_with_status_and_message(
    server: Server, call: Any, status: int, text: str
) -> None:
    with server.create_sandbox() as sandbox:
        with pytest.raises(MockrefundError) as refused:
            call(sandbox)
        assert refused.value.status == status
        assert text in refused.value.message
        assert str(refused.value) == f"{status}: {refused.value.message}"


# -- forced outcomes ---------------------------------------------------------------------------


def test_force_a_failure_at_once(server: Server) -> None:
    with server.create_sandbox() as sandbox:
        forced = sandbox.force_outcome("failed", after_seconds=0)
        assert (forced["outcome"], forced["after_seconds"], forced["remaining"]) == ("failed", 0, 1)
        assert refund(sandbox) == 10002
        assert statuses(sandbox) == ["refund_failed"]
        assert refund(sandbox) == 10003  # used up: the next one is left alone
        assert statuses(sandbox) == ["pending_review", "refund_failed"]


def test_force_after_seconds_of_the_mock_clock(server: Server) -> None:
    with server.create_sandbox(clock={"frozen": True}) as sandbox:
        sandbox.force_outcome("failed", platform="kakaclo", after_seconds=timedelta(minutes=2))
        refund(sandbox)
        sandbox.clock.advance(119)
        assert statuses(sandbox) == ["pending_review"]
        assert sandbox.clock.advance(1).settled == 1
        assert statuses(sandbox) == ["refund_failed"]


def test_force_after_status_reads(server: Server) -> None:
    with server.create_sandbox() as sandbox:
        assert sandbox.force_outcome("succeeded", after_reads=2)["after_reads"] == 2
        refund(sandbox)
        sandbox.clock.advance(timedelta(days=3))  # time does not settle it; reads do
        reads = [statuses(sandbox)[0] for _ in range(3)]
        assert reads == ["pending_review", "pending_review", "refund_successfully"]


def test_force_for_one_order_and_count(server: Server) -> None:
    with server.create_sandbox() as sandbox:
        sandbox.force_outcome("succeeded", after_seconds=0, count=2)
        sandbox.force_outcome("failed", platform="kakaclo", order=1000000463309, after_seconds=0)
        assert refund(sandbox, {"orderItems": [{"itemId": "120001", "quantity": 1}]}) == 10002
        assert refund(sandbox, {"orderItems": [{"itemId": "120001", "quantity": 1}]}) == 10003
        kakaclo_refund(sandbox, "1000000463309")
        assert refund(sandbox, {"orderItems": [{"itemId": "120002", "quantity": 1}]}) == 10005
        assert statuses(sandbox) == [  # newest first
            "pending_review",  # the count of 2 was used up
            "refund_successfully",
            "refund_successfully",
        ]
        with kakaclo(sandbox) as api:
            other = api.get("/v2/order/orders/refund/1000000463309").json()["data"]["list"]
        assert [entry["refundStatus"] for entry in other] == ["refund_failed"]


def test_clear_outcomes(server: Server) -> None:
    with server.create_sandbox() as sandbox:
        sandbox.force_outcome("failed", after_seconds=0, count=3)
        sandbox.clear_outcomes()
        refund(sandbox)
        assert statuses(sandbox) == ["pending_review"]


# -- faults and rate limits ---------------------------------------------------------------------


def test_a_fault_answers_once_in_kakaclos_envelope(server: Server) -> None:
    with server.create_sandbox() as sandbox, kakaclo(sandbox) as api:
        rule = sandbox.add_fault(status=503, times=1)
        assert (rule["status"], rule["times"], rule["remaining"]) == (503, 1, 1)
        assert isinstance(rule["id"], int)
        failed = api.post(REFUND, json=SEED_ITEMS)
        assert failed.status_code == 503
        assert set(failed.json()) == {"code", "message", "data"}
        ok = api.post(REFUND, json=SEED_ITEMS)
        assert ok.status_code == 200
        assert ok.json()["data"] == 10002  # the faulted request made no refund


def test_fault_rules_match_the_path_without_the_sandbox_prefix(server: Server) -> None:
    with server.create_sandbox() as sandbox, kakaclo(sandbox) as api:
        sandbox.add_fault(path="^/openapi/v2/order/orders$", method="get", status=500)
        assert api.get("/v2/order/orders").status_code == 500
        assert api.get(QUERY).status_code == 200  # another path
        assert api.post(REFUND, json=SEED_ITEMS).status_code == 200


def test_remove_one_fault_or_clear_them_all(server: Server) -> None:
    with server.create_sandbox() as sandbox, kakaclo(sandbox) as api:
        teapot = sandbox.add_fault(method="GET", status=418, body={"teapot": True})
        sandbox.add_fault(method="POST", status=500)
        assert api.get(QUERY).json() == {"teapot": True}
        sandbox.remove_fault(teapot["id"])
        assert api.get(QUERY).status_code == 200
        assert api.post(REFUND, json=SEED_ITEMS).status_code == 500
        with pytest.raises(MockrefundError) as gone:
            sandbox.remove_fault(teapot["id"])
        assert gone.value.status == 404
        sandbox.clear_faults()
        assert api.post(REFUND, json=SEED_ITEMS).status_code == 200


def test_a_dropped_connection(server: Server) -> None:
    with server.create_sandbox() as sandbox, kakaclo(sandbox) as api:
        sandbox.add_fault(drop=True, times=1)
        with pytest.raises(httpx.TransportError):
            api.get(QUERY)
        assert api.get(QUERY).status_code == 200


def test_rate_limits_switch_and_answer_their_state(server: Server) -> None:
    with server.create_sandbox() as sandbox, kakaclo(sandbox) as api:
        assert sandbox.rate_limits() == {"kakaclo": False, "shopline": False}
        assert sandbox.rate_limits(kakaclo=True) == {"kakaclo": True, "shopline": False}
        assert sandbox.rate_limits() == {"kakaclo": True, "shopline": False}  # unchanged
        # A bucket of 120 that leaks 2 a second overflows within 200 quick requests.
        seen: list[int] = []
        for _ in range(200):
            answer = api.get("/v2/order/orders")
            seen.append(answer.status_code)
            if answer.status_code != 200:
                break
        assert seen[:120] == [200] * 120
        assert (answer.status_code, answer.json()["code"]) == (429, 42900)
        assert sandbox.rate_limits(kakaclo=False, shopline=True) == {
            "kakaclo": False,
            "shopline": True,
        }
        assert api.get("/v2/order/orders").status_code == 200
        with server.create_sandbox() as other:
            assert other.rate_limits() == {"kakaclo": False, "shopline": False}


# -- the journal -------------------------------------------------------------------------------


def test_requests_shows_what_clients_sent(server: Server) -> None:
    with server.create_sandbox() as sandbox:
        assert sandbox.requests() == []
        refund(sandbox)
        with woocommerce(sandbox) as woo:
            woo.get(WOO_REFUNDS)
        with httpx.Client(base_url=sandbox.base_url("kakaclo")) as anonymous:
            anonymous.get(QUERY)  # no token: 401
        sandbox.clock.advance(60)  # admin calls are not recorded

        entries = sandbox.requests()
        assert [(e["platform"], e["method"], e["status"]) for e in entries] == [
            ("kakaclo", "POST", 200),
            ("woocommerce", "GET", 200),
            ("kakaclo", "GET", 401),
        ]
        first = entries[0]
        assert first["path"] == f"/sandboxes/{sandbox.id}/openapi{REFUND}"
        assert first["response_body"] == '{"code":10000,"message":"ok","data":10002}'
        assert first["request_headers"]["authorization"] == "Bearer kakaclo-test-token"
        assert '"itemId":"120001"' in first["request_body"].replace(" ", "")

        assert [e["status"] for e in sandbox.requests(platform="kakaclo")] == [200, 401]
        assert [e["platform"] for e in sandbox.requests(method="get")] == [
            "woocommerce",
            "kakaclo",
        ]
        assert [e["id"] for e in sandbox.requests(limit=1)] == [entries[-1]["id"]]
        assert sandbox.requests(path="/refund$") == [first]


def test_count_requests_filters(server: Server) -> None:
    with server.create_sandbox() as sandbox:
        before = datetime.now(UTC)
        refund(sandbox)
        refund(sandbox, {})
        with httpx.Client(base_url=sandbox.base_url("kakaclo")) as anonymous:
            anonymous.get(QUERY)
        with woocommerce(sandbox) as woo:
            woo.get(WOO_REFUNDS)
        assert sandbox.count_requests() == 4
        assert sandbox.count_requests(platform="kakaclo") == 3
        assert sandbox.count_requests(platform="kakaclo", status=200) == 2
        assert sandbox.count_requests(platform="kakaclo", status=401) == 1
        assert sandbox.count_requests(platform="woocommerce", method="post") == 0
        assert sandbox.count_requests(method="GET") == 2
        assert sandbox.count_requests(path=r"/refund$") == 2
        assert sandbox.count_requests(since=before) == 4
        assert sandbox.count_requests(until=before) == 0
        assert sandbox.count_requests(until=before.isoformat()) == 0
        assert server.default_sandbox().count_requests(platform="kakaclo", status=401) == 0


def test_clear_requests_empties_the_journal(server: Server) -> None:
    with server.create_sandbox() as sandbox:
        refund(sandbox)
        statuses(sandbox)
        assert sandbox.count_requests() == 2
        sandbox.clear_requests()
        assert sandbox.count_requests() == 0
        assert sandbox.requests() == []
        statuses(sandbox)
        assert sandbox.count_requests(method="GET") == 1
