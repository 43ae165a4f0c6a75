"""The control plane and the three emulated APIs of one sandbox, called through whichever
server a test names, so that each step of a test can go to another process."""

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from woocommerce.oauth import OAuth

from tests.platforms.kakaclo.conftest import AUTH as KAKACLO_AUTH
from tests.platforms.shopline.conftest import AUTH as SHOPLINE_AUTH
from tests.platforms.shopline.conftest import HEADERS as SHOPLINE_HEADERS
from tests.platforms.shopline.conftest import SEED_ORDER
from tests.platforms.woocommerce.conftest import KEY, SECRET, basic
from tests.replicas.servers import Server

SHOPLINE_VERSION = "v20251201"
# Every sandbox starts frozen at this moment, so that only the clock endpoints move its
# time and a test can say exactly where it stands.
EPOCH = "2030-01-01T00:00:00Z"
DAY = 86_400
FAULT_MESSAGE = "fault injected by the sandbox"
T = TypeVar("T")


def describe(response: httpx.Response) -> str:
    """What a failing assertion should show: the call, the status and the body."""
    request = response.request
    return f"{request.method} {request.url} -> {response.status_code} {response.text[:3000]}"


def expect(response: httpx.Response, *statuses: int) -> httpx.Response:
    assert response.status_code in statuses, describe(response)
    return response


def at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run the calls in threads held at a barrier and released together, so that they
    reach the servers at the same moment; their results in the calls' order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def mock_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Sandbox:
    """A sandbox's paths, without the host: the create answer's URLs name the server
    that made it, and the same paths work on every server of the database."""

    id: str
    admin: str  # its control plane, /__admin/sandboxes/{id}
    bases: dict[str, str]  # each platform's base URL path

    @classmethod
    def of(cls, description: dict[str, Any]) -> "Sandbox":
        return cls(
            id=description["id"],
            admin=urlsplit(description["admin_url"]).path,
            bases={name: urlsplit(url).path for name, url in description["base_urls"].items()},
        )

    def not_found_message(self) -> str:
        return f"sandbox '{self.id}' does not exist (deleted, expired, or mistyped)"


def create_sandbox(server: Server, **body: Any) -> Sandbox:
    body.setdefault("clock", {"at": EPOCH, "frozen": True})
    answer = expect(server.http.post("/__admin/sandboxes", json=body), 201)
    return Sandbox.of(answer.json())


def delete_sandbox(server: Server, sandbox: Sandbox) -> httpx.Response:
    return server.http.delete(f"/__admin/sandboxes/{sandbox.id}")


class Admin:
    """The sandbox's control plane."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.path = sandbox.admin

    def get(self, server: Server, what: str, **params: Any) -> Any:
        return expect(server.http.get(f"{self.path}/{what}", params=params), 200).json()

    def post(self, server: Server, what: str, body: Any = None, status: int = 200) -> Any:
        return expect(server.http.post(f"{self.path}/{what}", json=body), status).json()

    def clock(self, server: Server) -> dict[str, Any]:
        result: dict[str, Any] = self.get(server, "clock")
        return result

    def advance(self, server: Server, seconds: float) -> dict[str, Any]:
        result: dict[str, Any] = self.post(server, "clock/advance", {"seconds": seconds})
        return result

    def add_fault(self, server: Server, **rule: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.post(server, "faults", rule, status=201)
        return result

    def faults(self, server: Server) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get(server, "faults")["faults"]
        return result

    def force(self, server: Server, **outcome: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.post(server, "outcomes", outcome, status=201)
        return result

    def outcomes(self, server: Server) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get(server, "outcomes")["outcomes"]
        return result

    def rate_limits(self, server: Server) -> dict[str, bool]:
        result: dict[str, bool] = self.get(server, "rate-limits")
        return result

    def switch_rate_limits(self, server: Server, **switches: bool) -> dict[str, bool]:
        answer = server.http.put(f"{self.path}/rate-limits", json=switches)
        result: dict[str, bool] = expect(answer, 200).json()
        return result

    def journal(self, server: Server, **filters: Any) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get(server, "requests", **filters)["requests"]
        return result

    def journal_count(self, server: Server, **filters: Any) -> int:
        result: int = self.get(server, "requests/count", **filters)["count"]
        return result

    def add_order(self, server: Server, platform: str, order: dict[str, Any]) -> None:
        self.post(server, "orders", {"platform": platform, "order": order}, status=201)

    def reset(self, server: Server) -> dict[str, Any]:
        result: dict[str, Any] = self.post(server, "reset")
        return result


class Kakaclo:
    def __init__(self, sandbox: Sandbox) -> None:
        self.base = sandbox.bases["kakaclo"]  # ends in /openapi, as Kakaclo's own

    def refund(self, server: Server, order_id: str, body: Any) -> httpx.Response:
        return server.http.post(
            f"{self.base}/v2/order/orders/{order_id}/refund", json=body, headers=KAKACLO_AUTH
        )

    def query(self, server: Server, order_id: str, **params: Any) -> httpx.Response:
        return server.http.get(
            f"{self.base}/v2/order/orders/refund/{order_id}", params=params, headers=KAKACLO_AUTH
        )

    def orders(self, server: Server, **params: Any) -> httpx.Response:
        return server.http.get(f"{self.base}/v2/order/orders", params=params, headers=KAKACLO_AUTH)

    def create_order(self, server: Server, body: Any) -> httpx.Response:
        return server.http.post(f"{self.base}/v2/order/orders", json=body, headers=KAKACLO_AUTH)

    def refunds_by(self, server: Server, **params: Any) -> list[dict[str, Any]]:
        """Query ReFund's latest form: the refunds matching `refundNo` and `ids`."""
        answer = expect(
            server.http.get(f"{self.base}/order/refund", params=params, headers=KAKACLO_AUTH), 200
        ).json()
        assert answer["code"] == 10000, answer
        result: list[dict[str, Any]] = answer["data"]["list"]
        return result

    def refunds(self, server: Server, order_id: str) -> list[dict[str, Any]]:
        """Every refund of the order (up to a page of 250), newest first."""
        answer = expect(self.query(server, order_id, pageSize=250), 200).json()
        assert answer["code"] == 10000, answer
        assert answer["data"]["total"] == len(answer["data"]["list"]), answer
        result: list[dict[str, Any]] = answer["data"]["list"]
        return result

    def order(self, server: Server, order_id: str) -> dict[str, Any]:
        answer = expect(self.orders(server, ids=order_id), 200).json()
        result: dict[str, Any] = answer["data"]["list"][0]
        return result


class Shopline:
    def __init__(self, sandbox: Sandbox) -> None:
        self.api = f"{sandbox.bases['shopline']}/admin/openapi/{SHOPLINE_VERSION}"

    def refund(self, server: Server, body: Any) -> httpx.Response:
        return server.http.post(
            f"{self.api}/order/refund.json", json=body, headers=SHOPLINE_HEADERS
        )

    def refunds(self, server: Server, order_id: str) -> httpx.Response:
        return server.http.get(
            f"{self.api}/orders/{order_id}/refunds.json",
            params={"limit": 250},
            headers=SHOPLINE_AUTH,
        )

    def refund_of(self, server: Server, order_id: str, refund_id: str) -> httpx.Response:
        return server.http.get(
            f"{self.api}/orders/{order_id}/refunds/{refund_id}.json", headers=SHOPLINE_AUTH
        )

    def orders(self, server: Server, **params: Any) -> httpx.Response:
        return server.http.get(f"{self.api}/orders.json", params=params, headers=SHOPLINE_AUTH)


class Woo:
    def __init__(self, sandbox: Sandbox) -> None:
        self.api = f"{sandbox.bases['woocommerce']}/wc-api/v3"

    def call(self, server: Server, method: str, path: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("headers", basic())
        return server.http.request(method, f"{self.api}{path}", **kwargs)

    def create(self, server: Server, order_id: int, refund: dict[str, Any]) -> httpx.Response:
        return self.call(
            server, "POST", f"/orders/{order_id}/refunds", json={"order_refund": refund}
        )

    def refund(self, server: Server, order_id: int, refund_id: int) -> httpx.Response:
        return self.call(server, "GET", f"/orders/{order_id}/refunds/{refund_id}")

    def refunds(self, server: Server, order_id: int) -> list[dict[str, Any]]:
        answer = expect(self.call(server, "GET", f"/orders/{order_id}/refunds"), 200)
        result: list[dict[str, Any]] = answer.json()["order_refunds"]
        return result


def assert_sandbox_gone(server: Server, sandbox: Sandbox) -> None:
    """The server answers the sandbox as unknown: each platform in its own 404, the
    control plane in its own."""
    message = sandbox.not_found_message()
    admin = expect(server.http.get(sandbox.admin), 404).json()
    assert admin == {"error": message, "status": 404}
    kakaclo = expect(Kakaclo(sandbox).query(server, "10001"), 404).json()
    assert kakaclo == {"code": 40004, "message": message, "data": None}
    shopline = expect(Shopline(sandbox).refunds(server, SEED_ORDER), 404).json()
    assert shopline == {"errors": message}
    woo = expect(Woo(sandbox).refund(server, 645, 647), 404).json()
    assert woo == {
        "errors": [
            {
                "code": "woocommerce_api_no_route",
                "message": "No route was found matching the URL and request method",
            }
        ]
    }


# Both servers answer at one public name, as behind a load balancer: a client signs the
# URL it calls, and the same signed URL can reach either process.
PUBLIC_HOST = "refunds.replicas.test"


def signed_url(sandbox: Sandbox, path: str) -> str:
    """A GET signed by the official client's OAuth 1.0a code, with a fresh nonce; the path
    and query only, to be sent to any server with `Host: PUBLIC_HOST`."""
    base = f"http://{PUBLIC_HOST}"
    url = f"{base}{sandbox.bases['woocommerce']}/wc-api/v3{path}"
    return str(OAuth(url, KEY, SECRET, version="v3", method="GET").get_oauth_url())[len(base) :]


def get_signed(server: Server, url: str) -> httpx.Response:
    return server.http.get(url, headers={"Host": PUBLIC_HOST})
