"""The Python client against the real server process: sandboxes, their clocks, reset, delete.

(The helpers for orders, outcomes, faults and the journal are tested with their endpoints.)
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
