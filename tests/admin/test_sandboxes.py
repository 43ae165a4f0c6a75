"""Sandboxes: made in milliseconds, reached by path prefix or header, never leaking."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_settings
from tests.platforms.kakaclo.conftest import AUTH, SEED_ITEMS
from tests.platforms.woocommerce.conftest import basic, oauth_url

KAKACLO_REFUND = "/openapi/v2/order/orders/10001/refund"
KAKACLO_QUERY = "/openapi/v2/order/orders/refund/10001"


def new(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/__admin/sandboxes", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_new_sandbox_answers_its_id_urls_and_credentials(client: TestClient) -> None:
    sandbox = new(client)
    assert sandbox["id"].startswith("sbx_")
    assert len(sandbox["id"]) >= 24
    assert new(client)["id"] != sandbox["id"]
    assert sandbox["base_urls"] == {
        "kakaclo": f"http://testserver/sandboxes/{sandbox['id']}/openapi",
        "shopline": f"http://testserver/sandboxes/{sandbox['id']}",
        "woocommerce": f"http://testserver/sandboxes/{sandbox['id']}",
    }
    assert sandbox["admin_url"] == f"http://testserver/__admin/sandboxes/{sandbox['id']}"
    keys = {(c["platform"], c["key"]) for c in sandbox["credentials"]}
    assert {("kakaclo", "kakaclo-test-token"), ("shopline", "shopline-test-token")} <= keys
    woo = next(c for c in sandbox["credentials"] if c["key"] == "ck_mockrefund_test")
    assert (woo["secret"], woo["permissions"]) == ("cs_mockrefund_test", "read_write")


def test_two_sandboxes_never_see_each_others_data_clock_or_ids(client: TestClient) -> None:
    a, b = new(client)["id"], new(client)["id"]
    first = client.post(f"/sandboxes/{a}{KAKACLO_REFUND}", json=SEED_ITEMS, headers=AUTH)
    assert first.json()["data"] == 10002
    # The same refund in B gets the same number: ids are per sandbox.
    other = client.post(
        KAKACLO_REFUND, json=SEED_ITEMS, headers={**AUTH, "X-Mockrefund-Sandbox": b}
    )
    assert other.json()["data"] == 10002
    assert client.get(f"/sandboxes/{a}{KAKACLO_QUERY}", headers=AUTH).json()["data"]["total"] == 1
    assert client.get(KAKACLO_QUERY, headers=AUTH).json()["data"]["total"] == 0  # default

    before_b = client.get(f"/__admin/sandboxes/{b}/clock").json()["now"]
    moved = client.post(f"/__admin/sandboxes/{a}/clock/advance", json={"seconds": 86400}).json()
    assert moved["settled"] == 1
    assert client.get(f"/__admin/sandboxes/{b}/clock").json()["now"] < moved["now"]
    assert client.get(f"/__admin/sandboxes/{b}/clock").json()["now"] >= before_b
    statuses = {
        sandbox: client.get(f"/sandboxes/{sandbox}{KAKACLO_QUERY}", headers=AUTH).json()["data"][
            "list"
        ][0]["refundStatus"]
        for sandbox in (a, b)
    }
    assert statuses == {a: "refund_successfully", b: "pending_review"}


@pytest.mark.parametrize(
    ("path", "headers", "check"),
    [
        (KAKACLO_QUERY, AUTH, lambda body: body["code"] == 40004 and body["data"] is None),
        ("/wc-api/v3/orders/645/refunds", basic(), lambda body: body["errors"][0]["code"] == "woocommerce_api_no_route"),
        ("/admin/openapi/v20220901/orders.json", {"Authorization": "Bearer shopline-test-token"}, lambda body: isinstance(body["errors"], str)),
    ],
)  # fmt: skip
def test_an_unknown_sandbox_is_a_404_in_the_platforms_own_format(
    client: TestClient, path: str, headers: dict[str, str], check: Any
) -> None:
    response = client.get(f"/sandboxes/sbx_nope{path}", headers=headers)
    assert response.status_code == 404
    body = response.json()
    assert "detail" not in body
    assert check(body)


def test_woocommerce_oauth_signs_the_prefixed_url(client: TestClient) -> None:
    sandbox = new(client)["id"]
    url = oauth_url("GET", f"/sandboxes/{sandbox}/wc-api/v3/orders/645/refunds")
    assert client.get(url).json()["order_refunds"][0]["id"] == 647


def test_list_read_reset_and_delete(client: TestClient) -> None:
    sandbox = new(client)["id"]
    client.post(f"/sandboxes/{sandbox}{KAKACLO_REFUND}", json=SEED_ITEMS, headers=AUTH)
    listed = [s["id"] for s in client.get("/__admin/sandboxes").json()]
    assert listed[0] == "default"
    assert sandbox in listed
    assert not any(s.startswith("template:") for s in listed)
    assert client.get(f"/__admin/sandboxes/{sandbox}").json()["id"] == sandbox

    assert client.post(f"/__admin/sandboxes/{sandbox}/reset").status_code == 200
    assert (
        client.get(f"/sandboxes/{sandbox}{KAKACLO_QUERY}", headers=AUTH).json()["data"]["total"]
        == 0
    )

    assert client.delete(f"/__admin/sandboxes/{sandbox}").status_code == 204
    assert client.get(f"/__admin/sandboxes/{sandbox}").status_code == 404
    gone = client.get(f"/sandboxes/{sandbox}{KAKACLO_QUERY}", headers=AUTH)
    assert gone.status_code == 404
    assert "does not exist" in gone.json()["message"]
    assert client.delete("/__admin/sandboxes/default").status_code == 400


def test_inline_fixtures_seed_and_clock_settings(client: TestClient) -> None:
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
    sandbox = new(
        client, fixtures=fixtures, seed=9, clock={"at": "2030-01-01T00:00:00Z", "frozen": True}
    )
    assert sandbox["seed"] == 9
    clock = client.get(f"/__admin/sandboxes/{sandbox['id']}/clock").json()
    assert (clock["now"], clock["frozen"]) == ("2030-01-01T00:00:00Z", True)
    headers = {"Authorization": "Bearer my-token"}
    refund = client.post(
        f"/sandboxes/{sandbox['id']}/openapi/v2/order/orders/77/refund", json={}, headers=headers
    )
    assert refund.json()["code"] == 10000
    # The default token does not exist there.
    assert client.get(f"/sandboxes/{sandbox['id']}{KAKACLO_QUERY}", headers=AUTH).status_code == 401
    client.post(
        f"/sandboxes/{sandbox['id']}/openapi/v2/order/orders/77/refund", json={}, headers=headers
    )
    assert client.post(f"/__admin/sandboxes/{sandbox['id']}/reset").status_code == 200
    assert (
        client.post(
            f"/sandboxes/{sandbox['id']}/openapi/v2/order/orders/77/refund",
            json={},
            headers=headers,
        ).json()["code"]
        == 10000
    )


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"fixtures": "nonexistent"}, 404, "no fixture set named 'nonexistent'"),
        ({"fixtures": {"stores": [{"platform": "kakaclo"}]}}, 400, "fixtures: stores[0].handle: Field required"),
        ({"clock": {"scale": 0}}, 400, "clock.scale"),
    ],
)  # fmt: skip
def test_bad_sandbox_requests(client: TestClient, body: Any, status: int, text: str) -> None:
    response = client.post("/__admin/sandboxes", json=body)
    assert response.status_code == status
    assert text in response.json()["error"]


def test_the_number_of_sandboxes_is_capped() -> None:
    with TestClient(create_app_with(max_sandboxes=3)) as client:
        new(client)
        new(client)
        new(client)
        refused = client.post("/__admin/sandboxes")
        assert refused.status_code == 409
        assert "MOCKREFUND_MAX_SANDBOXES" in refused.json()["error"]


def create_app_with(**settings: Any) -> Any:
    from mockrefund.app import create_app

    return create_app(make_settings(**settings))


def test_clock_controls(client: TestClient) -> None:
    sandbox = new(client)["id"]
    base = f"/__admin/sandboxes/{sandbox}/clock"
    assert client.get(base).json()["frozen"] is False
    frozen = client.post(f"{base}/freeze").json()
    assert frozen["frozen"] is True
    assert client.get(base).json()["now"] == frozen["now"]
    moved = client.post(f"{base}/set", json={"at": "2031-05-01T12:00:00Z"}).json()
    assert moved["now"] == "2031-05-01T12:00:00Z"
    assert client.post(f"{base}/scale", json={"scale": 60}).json()["scale"] == 60
    assert client.post(f"{base}/resume").json()["frozen"] is False
    assert client.post(f"{base}/set", json={"at": "2031-05-01T12:00:00"}).status_code == 400
