"""WooCommerce's legacy REST API v3: order refunds (full CRUD) and the order itself.

The legacy server authenticates before it routes, honours `_method` and
`X-HTTP-Method-Override`, and answers any unknown path or method (a trailing slash
included) with `woocommerce_api_no_route`. To behave the same, one catch-all route
takes every request under `/wc-api/v3/` and dispatches it here.
"""

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, HTTPException
from starlette.requests import Request
from starlette.responses import Response

from mockrefund.core import refunds
from mockrefund.core.models import Store
from mockrefund.core.money import round_cents
from mockrefund.core.orders import OrderState, RefundState, cached_state, refund_of, refund_page
from mockrefund.core.refunds import IdScheme, ItemSelector, LineRequest, RefundPolicy, RefundRequest
from mockrefund.platforms.woocommerce import render
from mockrefund.platforms.woocommerce.auth import authenticate, check_permission
from mockrefund.platforms.woocommerce.errors import CONTENT_TYPE, DIALECT, fail
from mockrefund.platforms.woocommerce.fields import filter_fields
from mockrefund.platforms.woocommerce.query import parse_query, php_truthy
from mockrefund.web.body import BodyError, parse_json, read_body
from mockrefund.web.context import Scope, open_scope
from mockrefund.web.responses import WireJSON

POLICY = RefundPolicy(
    ids=IdScheme(
        sequences={"refund": "post", "refund_line": "order_item"},
        starts={"post": 1000, "order_item": 1000},
    ),
    asynchronous=False,
    status_when_fully_refunded="refunded",
    limit_line_quantities=False,
    skip_unknown_items=True,
)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
REFUND_ERROR = "woocommerce_api_invalid_order_refund"
REFUND_ID_ERROR = "woocommerce_api_invalid_order_refund_id"
MISSING_DATA = "woocommerce_api_missing_order_refund_data"
# More money or units than any order holds, yet small enough to add, round and store
# (money is kept in 1/10000 units in a 64-bit column).
MAX_NUMBER = Decimal("1e14")

router = APIRouter()


@dataclass(frozen=True)
class Call:
    """One authenticated request, as the handlers see it."""

    request: Request
    scope: Scope
    store: Store
    params: Mapping[str, str]
    ids: Mapping[str, str]

    def order_ref(self) -> str:
        return str(int(self.ids["order_id"]))


Handler = Callable[[Call], Awaitable[Response]]


def answer(body: Any, status: int = 200) -> Response:
    return WireJSON(body, status, media_type=CONTENT_TYPE)


async def request_data(request: Request) -> Any:
    """The JSON body, or None when there is none or it is not JSON (as WooCommerce reads it)."""
    raw = await read_body(request)
    if not raw.strip():
        return None
    try:
        return parse_json(raw)
    except BodyError:
        return None


def _valid_order(call: Call) -> OrderState:
    """WooCommerce's order-id check for view, edit and delete."""
    if int(call.ids["order_id"]) == 0:
        raise fail(404, "woocommerce_api_invalid_order_id", "Invalid shop_order ID")
    assert call.store.id is not None
    return cached_state(call.scope.runtime.db, call.store.id, call.order_ref())


def _refund_id(call: Call) -> str:
    refund_id = int(call.ids["refund_id"])
    if refund_id == 0:
        raise fail(400, REFUND_ID_ERROR, "Invalid order refund ID.")
    return str(refund_id)


def _find_refund(call: Call, state: OrderState, refund_ref: str) -> RefundState:
    """The order's refund, read on its own (answered from the read cache while nothing
    changed); a refund of another order or none at all is an error, as WooCommerce's."""
    db = call.scope.runtime.db

    def load() -> RefundState | None:
        with db.read() as session:
            return refund_of(session, state.order, refund_ref)

    found = db.cache.get(("refund", state.order.id, refund_ref), load)
    if found is not None:
        return found
    with db.read() as session:
        refunds.find(session, call.store, refund_ref)  # RefundNotFound when it is nowhere
    raise fail(
        400, REFUND_ID_ERROR, "The order refund ID provided is not associated with the order."
    )


def _render_refund(call: Call, state: OrderState, refund: RefundState) -> dict[str, Any]:
    body = render.refund(refund, render.items_of(state))
    return filter_fields(body, call.params.get("fields"))


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    # 1e309 or "1e999999999" is a number too, just past any order: capped, so that the
    # rules refuse it as too much instead of Decimal overflowing on it.
    return max(min(amount, MAX_NUMBER), -MAX_NUMBER)


async def list_refunds(call: Call) -> Response:
    state = _valid_order(call)
    items = render.items_of(state)
    refunds_out = [
        filter_fields(render.refund(refund, items), call.params.get("fields"))
        for refund in _newest_first(call, state)
    ]
    return answer({"order_refunds": refunds_out})


def _newest_first(call: Call, state: OrderState) -> list[RefundState]:
    """Every refund of the order, newest first (WooCommerce's list has no pages)."""
    db = call.scope.runtime.db
    assert state.order.id is not None
    order_id = state.order.id

    def load() -> list[RefundState]:
        with db.read() as session:
            return refund_page(session, order_id, 0, None, newest_first=True)

    return db.cache.get(("refunds", order_id), load)


async def view_refund(call: Call) -> Response:
    state = _valid_order(call)
    refund = _find_refund(call, state, _refund_id(call))
    return answer({"order_refund": _render_refund(call, state, refund)})


async def create_refund(call: Call) -> Response:
    data = await request_data(call.request)
    if not isinstance(data, dict) or "order_refund" not in data:
        raise fail(400, MISSING_DATA, "No order_refund data specified to create order_refund")
    body = data["order_refund"]
    if int(call.ids["order_id"]) == 0:
        raise fail(400, "woocommerce_api_invalid_order_id", "Order ID is invalid")
    if not isinstance(body, dict) or body.get("amount") is None:
        raise fail(400, REFUND_ERROR, "Refund amount is required.")
    amount = _decimal(body["amount"])
    if amount is None:
        raise fail(400, REFUND_ERROR, "Refund amount must be a number.")
    if amount < 0:
        raise fail(400, REFUND_ERROR, "Refund amount must be positive.")
    created, after = refunds.create(
        call.scope.runtime.db,
        call.store,
        RefundRequest(
            order_ref=call.order_ref(),
            lines=_line_requests(body.get("line_items")),
            amount=_cents(amount),
            reason=str(body.get("reason") or ""),
            ask_gateway=php_truthy(call.params.get("api_refund"), default=True),
        ),
        POLICY,
        call.scope.life,
        call.scope.now,
        forced_queued=call.scope.forced_queued,
    )
    return answer({"order_refund": _render_refund(call, after, created)}, status=201)


def _cents(amount: Decimal) -> Decimal:
    # WooCommerce keeps refund amounts to the store's decimals (2 by default), rounding
    # half up as PHP's round() does (0.005 is 0.01).
    return round_cents(amount)


def _line_requests(raw: Any) -> list[LineRequest]:
    """`{"<order item id>": {"qty", "refund_total", "refund_tax": {...}}}`; empty lines skipped."""
    if not isinstance(raw, dict):
        return []
    lines = []
    for item_id, entry in raw.items():
        if not isinstance(entry, dict):
            continue
        quantity = _decimal(entry.get("qty")) or Decimal(0)
        total = _decimal(entry.get("refund_total")) or Decimal(0)
        taxes = entry.get("refund_tax")
        tax_values = taxes.values() if isinstance(taxes, dict) else taxes or []
        tax = sum(
            (_decimal(v) or Decimal(0) for v in tax_values if not isinstance(v, dict | list)),
            Decimal(0),
        )
        if not quantity and not total and not tax:
            continue
        if (
            min(total, tax, quantity) < 0
            or max(total, tax, quantity) >= MAX_NUMBER  # beyond what a line can store
            or quantity != int(quantity)
        ):
            raise fail(400, REFUND_ERROR, f"Invalid refund line for order item {item_id}.")
        lines.append(
            LineRequest(
                item=ItemSelector(str(item_id)),
                quantity=int(quantity),
                amount=_cents(total),
                tax=_cents(tax),
            )
        )
    return lines


async def edit_refund(call: Call) -> Response:
    data = await request_data(call.request)
    if not isinstance(data, dict) or "order_refund" not in data:
        raise fail(400, MISSING_DATA, "No order_refund data specified to edit order_refund")
    body = data["order_refund"] if isinstance(data["order_refund"], dict) else {}
    state = _valid_order(call)
    refund_ref = _refund_id(call)
    _find_refund(call, state, refund_ref)
    amount = _decimal(body.get("amount"))
    refunds.update(
        call.scope.runtime.db,
        call.store,
        call.order_ref(),
        refund_ref,
        call.scope.now,
        reason=str(body["reason"]) if body.get("reason") is not None else None,
        amount=_cents(amount) if amount is not None and amount > 0 else None,
    )
    state = _valid_order(call)
    return answer(
        {"order_refund": _render_refund(call, state, _find_refund(call, state, refund_ref))}
    )


async def delete_refund(call: Call) -> Response:
    state = _valid_order(call)
    refund_ref = _refund_id(call)
    _find_refund(call, state, refund_ref)
    refunds.delete(call.scope.runtime.db, call.store, call.order_ref(), refund_ref)
    return answer({"message": "Permanently deleted refund"})


async def view_order(call: Call) -> Response:
    state = _valid_order(call)
    return answer({"order": filter_fields(render.order(state), call.params.get("fields"))})


ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (
        re.compile(r"/orders/(?P<order_id>\d{1,18})/refunds"),
        {"GET": list_refunds, "HEAD": list_refunds, "POST": create_refund},
    ),
    (
        re.compile(r"/orders/(?P<order_id>\d{1,18})/refunds/(?P<refund_id>\d{1,18})"),
        {
            "GET": view_refund,
            "HEAD": view_refund,
            "PUT": edit_refund,
            "POST": edit_refund,
            "PATCH": edit_refund,
            "DELETE": delete_refund,
        },
    ),
    (re.compile(r"/orders/(?P<order_id>\d{1,18})"), {"GET": view_order, "HEAD": view_order}),
]


def effective_method(request: Request, params: Mapping[str, str]) -> str:
    override = params.get("_method") or request.headers.get("x-http-method-override")
    return (override or request.method).strip().upper()


async def dispatch(request: Request, rest: str = "") -> Response:
    scope = open_scope(request)
    params = parse_query(request.url.query)
    method = effective_method(request, params)
    path = f"/{rest}" if rest else ""
    if path in ("", "/"):
        return answer(_index(request))
    caller = authenticate(request, scope, params, method)
    check_permission(caller, method)
    for pattern, handlers in ROUTES:
        match = pattern.fullmatch(path)
        if match and method in handlers:
            call = Call(request, scope, caller.store, params, match.groupdict())
            return await handlers[method](call)
    # Rendered as woocommerce_api_no_route, with the nearest routes named in a header.
    raise HTTPException(404)


def _index(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {
        "store": {
            "name": "mockrefund",
            "description": "WooCommerce legacy REST API v3, emulated",
            "URL": base,
            "wc_version": "3.5.0",
            "version": "3.1.0",
            "routes": {
                "/orders/<id>": {"supports": ["HEAD", "GET"]},
                "/orders/<order_id>/refunds": {"supports": ["HEAD", "GET", "POST"]},
                "/orders/<order_id>/refunds/<id>": {
                    "supports": ["HEAD", "GET", "POST", "PUT", "PATCH", "DELETE"]
                },
            },
            "meta": {"ssl_enabled": request.url.scheme == "https", "permalinks_enabled": True},
        }
    }


router.add_api_route("/wc-api/v3", dispatch, methods=METHODS, include_in_schema=False)
router.add_api_route("/wc-api/v3/{rest:path}", dispatch, methods=METHODS, include_in_schema=False)

DIALECT.routes.extend(
    f"{method} /wc-api/v3{template}"
    for template, methods in (
        ("/orders/{order_id}/refunds", ("GET", "POST")),
        ("/orders/{order_id}/refunds/{id}", ("GET", "PUT", "POST", "PATCH", "DELETE")),
        ("/orders/{id}", ("GET",)),
    )
    for method in methods
)
