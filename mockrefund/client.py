"""A small synchronous client for mockrefund's control plane (`/__admin`), for test runners.

Each test gets its own sandbox: an isolated world with its own data, clock, ids, journal,
faults and forced outcomes, made in milliseconds and deleted afterwards. Point the code under
test at `sandbox.base_url(platform)` with `sandbox.token(platform)`, drive the sandbox from
the test, and assert on what it received::

    from datetime import timedelta

    import httpx

    from mockrefund.client import MockrefundError, Server

    server = Server("http://127.0.0.1:8000")        # `mockrefund serve` is running there
    assert server.health()["status"] == "ok"

    with server.create_sandbox(seed=7, clock={"frozen": True}) as sandbox:
        kakaclo = httpx.Client(
            base_url=sandbox.base_url("kakaclo"),
            headers={"Authorization": f"Bearer {sandbox.token('kakaclo')}"},
        )
        items = {"orderItems": [{"itemId": "120001", "quantity": 1}]}
        refund = kakaclo.post("/v2/order/orders/10001/refund", json=items).json()
        assert refund["data"] == 10002                # ids start afresh in every sandbox

        sandbox.clock.advance(timedelta(days=1))      # pending refunds settle, in order
        listed = kakaclo.get("/v2/order/orders/refund/10001").json()["data"]["list"]
        assert listed[0]["refundStatus"] == "refund_successfully"

        sandbox.force_outcome("failed", platform="kakaclo")   # the next refund fails
        assert sandbox.count_requests(platform="kakaclo", method="POST") == 1
        woo = sandbox.credentials("woocommerce")[0]   # {"platform", "store", "key", "secret", ...}
    # leaving the block deleted the sandbox

    try:
        server.create_sandbox(fixtures="no-such-set")
    except MockrefundError as error:
        print(error.status, error.message)          # 404 no fixture set named 'no-such-set' ...

    server.default_sandbox().reset()                 # what clients without a prefix reach

Every method maps to one admin endpoint; an answer that is not a success raises
`MockrefundError` with the HTTP status and the server's message (status `None` when the
server cannot be reached at all).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Literal
from urllib.parse import quote

import httpx

__all__ = ["PLATFORMS", "Clock", "ClockReading", "MockrefundError", "Sandbox", "Server"]

PLATFORMS = ("kakaclo", "shopline", "woocommerce")
DEFAULT_SANDBOX = "default"


class MockrefundError(Exception):
    """The admin API said no (`status` is its HTTP status), or could not be reached
    (`status` is None)."""

    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(f"{status}: {message}" if status is not None else message)
        self.status = status
        self.message = message


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("error", "message", "detail"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    text = response.text.strip()
    return text[:500] if text else response.reason_phrase or "error"


def _json_time(value: datetime | str) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(
                "give the time with a time zone, e.g. datetime(2030, 1, 1, tzinfo=UTC)"
            )
        return value.isoformat()
    return value


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


class _Http:
    """One connection pool, JSON in and out, admin errors raised as MockrefundError."""

    def __init__(self, client: httpx.Client, root: str, headers: Mapping[str, str]) -> None:
        self.client = client
        self.root = root
        self.headers = dict(headers)

    def call(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        expect: tuple[int, ...] = (200, 201, 204),
    ) -> Any:
        try:
            response = self.client.request(
                method,
                url,
                json=json,
                params=_drop_none(params or {}) or None,
                headers=self.headers,
            )
        except httpx.TransportError as error:
            raise MockrefundError(
                None, f"cannot reach the mockrefund server at {self.root} ({error})"
            ) from None
        if response.status_code not in expect:
            raise MockrefundError(response.status_code, _message(response))
        if response.status_code == 204 or not response.content:
            return None
        return response.json()


class Server:
    """A running mockrefund server, reached at `url` (e.g. `http://127.0.0.1:8000`)."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        http: httpx.Client | None = None,
        admin_token: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._owns_client = http is None
        # A server started with MOCKREFUND_ADMIN_TOKEN wants it on every admin call.
        token = admin_token or os.environ.get("MOCKREFUND_ADMIN_TOKEN")
        headers = {"X-Mockrefund-Admin-Token": token} if token else {}
        client = http or httpx.Client(timeout=timeout)
        self._http = _Http(client, self.url, headers)

    def __repr__(self) -> str:
        return f"Server({self.url!r})"

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_client:
            self._http.client.close()

    def health(self) -> dict[str, Any]:
        """`{"status": "ok", "version": ...}` when the server is up."""
        result: dict[str, Any] = self._http.call("GET", f"{self.url}/__admin/health")
        return result

    def create_sandbox(
        self,
        fixtures: str | Mapping[str, Any] = "default",
        seed: int | None = None,
        clock: Mapping[str, Any] | None = None,
    ) -> Sandbox:
        """A new isolated sandbox.

        `fixtures` names a fixture set on the server, or is inline fixtures (a dict in the
        fixture format). `clock` may hold `at` (an aware datetime or ISO text), `scale`
        (mock seconds per second) and `frozen`.
        """
        body: dict[str, Any] = {"fixtures": fixtures}
        if seed is not None:
            body["seed"] = seed
        if clock:
            setting = dict(clock)
            if setting.get("at") is not None:
                setting["at"] = _json_time(setting["at"])
            body["clock"] = setting
        description = self._http.call(
            "POST", f"{self.url}/__admin/sandboxes", json=body, expect=(201,)
        )
        return Sandbox(self, description)

    def sandboxes(self) -> list[Sandbox]:
        """Every sandbox on the server, the default one first."""
        listed = self._http.call("GET", f"{self.url}/__admin/sandboxes")
        return [Sandbox(self, description) for description in listed]

    def sandbox(self, sandbox_id: str) -> Sandbox:
        """An existing sandbox by id (e.g. one made by `mockrefund sandbox create`)."""
        description = self._http.call(
            "GET", f"{self.url}/__admin/sandboxes/{quote(sandbox_id, safe='')}"
        )
        return Sandbox(self, description)

    def default_sandbox(self) -> Sandbox:
        """The sandbox that requests without a sandbox prefix or header reach."""
        return self.sandbox(DEFAULT_SANDBOX)


@dataclass(frozen=True)
class ClockReading:
    now: datetime
    frozen: bool
    scale: float
    settled: int = 0
    """How many refunds settled because of the change that answered this."""

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> ClockReading:
        return cls(
            now=datetime.fromisoformat(body["now"]),
            frozen=bool(body["frozen"]),
            scale=float(body["scale"]),
            settled=int(body.get("settled", 0)),
        )


class Clock:
    """A sandbox's mock clock. Changes answer the new reading; what falls due settles."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def _call(self, method: str, path: str, body: Any = None) -> ClockReading:
        return ClockReading.of(self._sandbox._admin(method, f"/clock{path}", json=body))

    def read(self) -> ClockReading:
        return self._call("GET", "")

    def now(self) -> datetime:
        return self.read().now

    def advance(self, seconds: float | timedelta) -> ClockReading:
        return self._call("POST", "/advance", {"seconds": _seconds(seconds)})

    def freeze(self) -> ClockReading:
        return self._call("POST", "/freeze")

    def resume(self) -> ClockReading:
        return self._call("POST", "/resume")

    def set(self, at: datetime | str) -> ClockReading:
        return self._call("POST", "/set", {"at": _json_time(at)})

    def scale(self, x: float) -> ClockReading:
        return self._call("POST", "/scale", {"scale": x})


class Sandbox:
    """One sandbox on a server: where its clients point, and how a test drives it."""

    def __init__(self, server: Server, description: Mapping[str, Any]) -> None:
        self.server = server
        self.description: dict[str, Any] = dict(description)
        self.id: str = self.description["id"]
        self.admin_url: str = self.description["admin_url"].rstrip("/")
        self.clock = Clock(self)

    def __repr__(self) -> str:
        return f"Sandbox({self.id!r} on {self.server.url})"

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.delete(missing_ok=True)

    # -- where clients point ---------------------------------------------------------------

    @property
    def base_urls(self) -> dict[str, str]:
        return dict(self.description["base_urls"])

    def base_url(self, platform: str) -> str:
        """What a client of `platform` uses as its base URL to reach this sandbox."""
        urls: dict[str, str] = self.description["base_urls"]
        if platform not in urls:
            raise ValueError(f"unknown platform {platform!r}; use one of {', '.join(urls)}")
        return urls[platform]

    def credentials(
        self, platform: str | None = None, store: str | None = None
    ) -> list[dict[str, Any]]:
        """`[{"platform", "store", "key", "secret", "permissions"}, ...]` in the server's
        order, of one platform (and store) or of all."""
        if platform is not None:
            self.base_url(platform)  # a typo is an error, not an empty list
        return [
            dict(credential)
            for credential in self.description["credentials"]
            if (platform is None or credential["platform"] == platform)
            and (store is None or credential["store"] == store)
        ]

    def token(self, platform: str, store: str | None = None) -> str:
        """The first key of `platform` (of `store`, if given): a bearer token for Kakaclo
        and SHOPLINE, the consumer key for WooCommerce."""
        for credential in self.credentials(platform, store):
            return str(credential["key"])
        where = f" for store {store!r}" if store else ""
        raise LookupError(f"sandbox {self.id} has no {platform} credentials{where}")

    # -- the sandbox itself ----------------------------------------------------------------

    def _admin(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        expect: tuple[int, ...] = (200, 201, 204),
    ) -> Any:
        return self.server._http.call(
            method, f"{self.admin_url}{path}", json=json, params=params, expect=expect
        )

    def _url(self) -> str:
        return f"{self.server.url}/__admin/sandboxes/{quote(self.id, safe='')}"

    def refresh(self) -> dict[str, Any]:
        """Read the description again (e.g. for `last_used_at`)."""
        self.description = dict(self.server._http.call("GET", self._url()))
        return self.description

    def reset(self) -> Sandbox:
        """Back to its fixtures: data, ids, clock (its settings kept), journal."""
        self.description = dict(self._admin("POST", "/reset"))
        return self

    def delete(self, *, missing_ok: bool = False) -> None:
        try:
            self.server._http.call("DELETE", self._url(), expect=(204,))
        except MockrefundError as error:
            if not (missing_ok and error.status == 404):
                raise

    # -- orders ----------------------------------------------------------------------------

    def create_order(
        self, platform: str, order: Mapping[str, Any], store: str | None = None
    ) -> dict[str, Any]:
        """Add an order in the fixture format; answers `{"platform", "store", "order_id"}`."""
        body = _drop_none({"platform": platform, "store": store, "order": dict(order)})
        result: dict[str, Any] = self._admin("POST", "/orders", json=body, expect=(201,))
        return result

    def _order(
        self, platform: str, order_id: str | int, action: str, store: str | None, body: Any
    ) -> dict[str, Any]:
        path = f"/orders/{quote(platform, safe='')}/{quote(str(order_id), safe='')}/{action}"
        result: dict[str, Any] = self._admin("POST", path, json=body, params={"store": store})
        return result

    def ship(
        self,
        platform: str,
        order_id: str | int,
        items: Mapping[str, int] | None = None,
        store: str | None = None,
    ) -> dict[str, Any]:
        """Ship (fulfil) the whole order, or `{item id: quantity}` of it."""
        return self._order(
            platform, order_id, "ship", store, {"items": dict(items) if items is not None else None}
        )

    def cancel(
        self, platform: str, order_id: str | int, store: str | None = None
    ) -> dict[str, Any]:
        return self._order(platform, order_id, "cancel", store, None)

    def mark_paid(
        self, platform: str, order_id: str | int, store: str | None = None
    ) -> dict[str, Any]:
        return self._order(platform, order_id, "pay", store, None)

    def set_gateway(
        self,
        platform: str,
        order_id: str | int,
        behaviour: Literal["refund", "fail", "unsupported"],
        store: str | None = None,
    ) -> dict[str, Any]:
        """How the order's payment gateway answers refunds."""
        return self._order(platform, order_id, "gateway", store, {"behaviour": behaviour})

    # -- outcomes, faults, rate limits -----------------------------------------------------

    def force_outcome(
        self,
        outcome: Literal["succeeded", "failed"],
        platform: str | None = None,
        order: str | int | None = None,
        after_seconds: float | timedelta | None = None,
        after_reads: int | None = None,
        count: int = 1,
    ) -> dict[str, Any]:
        """Make the next `count` refunds (of the sandbox, an order, or a platform) end so."""
        body = _drop_none(
            {
                "outcome": outcome,
                "platform": platform,
                "order": None if order is None else str(order),
                "after_seconds": None if after_seconds is None else _seconds(after_seconds),
                "after_reads": after_reads,
                "count": count,
            }
        )
        result: dict[str, Any] = self._admin("POST", "/outcomes", json=body, expect=(201,))
        return result

    def clear_outcomes(self) -> None:
        self._admin("DELETE", "/outcomes")

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """A fault rule: `method`, `path`, `platform` to match; `status`, `body`,
        `latency_ms`, `drop` to answer; `times`, `probability`, `seed`. Answers it with its
        `id`."""
        result: dict[str, Any] = self._admin(
            "POST", "/faults", json=_drop_none(rule), expect=(201,)
        )
        return result

    def remove_fault(self, fault_id: str | int) -> None:
        self._admin("DELETE", f"/faults/{quote(str(fault_id), safe='')}")

    def clear_faults(self) -> None:
        self._admin("DELETE", "/faults")

    def rate_limits(
        self, kakaclo: bool | None = None, shopline: bool | None = None
    ) -> dict[str, bool]:
        """Switch the platforms' own rate limits; answers both settings."""
        result: dict[str, bool] = self._admin(
            "PUT", "/rate-limits", json=_drop_none({"kakaclo": kakaclo, "shopline": shopline})
        )
        return result

    # -- the journal -----------------------------------------------------------------------

    @staticmethod
    def _filters(
        platform: str | None,
        method: str | None,
        path: str | None,
        status: int | None,
        since: datetime | str | None,
        until: datetime | str | None,
    ) -> dict[str, Any]:
        return {
            "platform": platform,
            "method": method.upper() if method else None,
            "path": path,
            "status": status,
            "since": None if since is None else _json_time(since),
            "until": None if until is None else _json_time(until),
        }

    def requests(
        self,
        *,
        platform: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """What clients sent to this sandbox and what it answered, filtered."""
        params = self._filters(platform, method, path, status, since, until)
        params["limit"] = limit
        body = self._admin("GET", "/requests", params=params)
        result: list[dict[str, Any]] = body["requests"]
        return result

    def count_requests(
        self,
        *,
        platform: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
    ) -> int:
        params = self._filters(platform, method, path, status, since, until)
        return int(self._admin("GET", "/requests/count", params=params)["count"])

    def clear_requests(self) -> None:
        self._admin("DELETE", "/requests")
