"""SHOPLINE's Admin Open API: create a refund, try one, query refunds, list orders.

Every path carries the API version (`v20220901`, any `v` + 8 digits); refunds behave the
same in every version, and answers are typed as the version writes them (`versions`).
Each handler checks the version, the token (and flow control), reads the body, then
calls the core and renders its answer.
"""

import re
from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from mockrefund.core import lifecycle, refunds
from mockrefund.core.errors import RefundNotFound
from mockrefund.core.models import Order, Store
from mockrefund.core.orders import (
    OrderQuery,
    OrderState,
    RefundState,
    cached_state,
    list_orders,
    refund_of,
    refund_page,
)
from mockrefund.core.refunds import IdScheme, RefundPolicy
from mockrefund.platforms.shopline import commands, listing, ratelimit, render
from mockrefund.platforms.shopline.auth import authenticate
from mockrefund.platforms.shopline.errors import fail
from mockrefund.platforms.shopline.schemas import CalculateBody, RefundBody
from mockrefund.platforms.shopline.trace import reply
from mockrefund.platforms.shopline.versions import wire_for
from mockrefund.web.body import is_json_media, media_type, parse_json, read_body
from mockrefund.web.context import Scope, open_scope, original_path
from mockrefund.web.text import first_problem, is_digits

BASE = "/admin/openapi/{version}"
VERSION = re.compile(r"^v\d{8}$")
MAX_REFUNDS_PAGE = 250
MAX_ORDERS_PAGE = 100
DEFAULT_PAGE = 50

# SHOPLINE ids are long digit strings; a refund id is 22 digits (past int64), so each is
# a fixed prefix and a zero-padded number from the store's sequence. The first refund of
# a store is the seed page's own example, 2605755870074105241861.
ID_PREFIXES = {
    "refund": "2605755870074",
    "transaction": "2405755870074",
    "refund_line": "1805755870",
}
ID_WIDTHS = {"refund": 9, "transaction": 9, "refund_line": 8}


def _format_id(kind: str, number: int) -> str:
    return f"{ID_PREFIXES[kind]}{number:0{ID_WIDTHS[kind]}d}"


POLICY = RefundPolicy(
    ids=IdScheme(
        sequences={kind: kind for kind in ID_PREFIXES},
        starts={"refund": 105241861, "transaction": 105241861, "refund_line": 1},
        format=_format_id,
    ),
    refuse_unpaid=True,
    asynchronous=True,
)

router = APIRouter()
Body = TypeVar("Body", bound=BaseModel)


def enter(request: Request, version: str) -> tuple[Scope, Store]:
    """What every endpoint does first: version, token, flow control."""
    # fullmatch: `$` also matches before a final newline, which the Link header would carry.
    if not VERSION.fullmatch(version):
        raise fail(404, f"API version {version!r} does not exist; versions look like v20220901")
    scope = open_scope(request)
    store = authenticate(request, scope)
    ratelimit.check(scope, store)
    return scope, store


async def read_json(request: Request, model: type[Body]) -> Body:
    declared = media_type(request)
    if not is_json_media(declared):
        raise fail(400, "Content-Type must be application/json; charset=utf-8")
    data = parse_json(await read_body(request))
    if not isinstance(data, dict):
        raise fail(400, "the request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise fail(400, first_problem(error)) from None


def _order_state(scope: Scope, store: Store, order_id: str) -> OrderState:
    assert store.id is not None
    return cached_state(scope.runtime.db, store.id, order_id)


def _limit(request: Request, maximum: int) -> int:
    raw = request.query_params.get("limit") or str(DEFAULT_PAGE)
    # The length first: int() refuses more than 4,300 digits with a ValueError (a 500).
    if not is_digits(raw) or len(raw) > 9 or not 1 <= int(raw) <= maximum:
        raise fail(400, f"limit must be a whole number from 1 to {maximum}")
    return int(raw)


async def create_refund(version: str, request: Request) -> Response:
    scope, store = enter(request, version)
    body = await read_json(request, RefundBody)
    state = _order_state(scope, store, body.order_id)
    commands.check_currency(body.currency, state)
    commands.check_transaction_currencies(body, state)
    created, after = refunds.create(
        scope.runtime.db,
        store,
        commands.refund_request(body, state),
        POLICY,
        scope.life,
        scope.now,
        forced_queued=scope.forced_queued,
    )
    return reply(render.created(created, after, wire_for(version)))


async def calculate_refund(version: str, order_id: str, request: Request) -> Response:
    scope, store = enter(request, version)
    body = await read_json(request, CalculateBody)
    state = _order_state(scope, store, order_id)
    commands.check_currency(body.currency, state)
    preview = refunds.preview(
        scope.runtime.db, store, commands.trial_request(order_id, body, state), POLICY
    )
    types = {line.line_item_id: line.type for line in body.refund_line_items or ()}
    return reply(render.trial(preview, types, state.order.currency))


def _refunds_read(
    scope: Scope, store: Store, order_id: str, read: Callable[[Session, Order], list[RefundState]]
) -> tuple[OrderState, list[RefundState]]:
    """The order and the refunds `read` finds of it, after counting this status read for
    those of them that settle "after N reads" (then read again: the read may have settled
    them, and moved the order's totals)."""
    state = _order_state(scope, store, order_id)
    shown = _read_refunds(scope, state.order, read)
    if lifecycle.note_status_reads(scope.runtime.db, [r.refund for r in shown], scope.now):
        state = _order_state(scope, store, order_id)
        shown = _read_refunds(scope, state.order, read)
    return state, shown


def _read_refunds(
    scope: Scope, order: Order, read: Callable[[Session, Order], list[RefundState]]
) -> list[RefundState]:
    with scope.runtime.db.read() as session:
        return read(session, order)


async def list_refunds(version: str, order_id: str, request: Request) -> Response:
    scope, store = enter(request, version)
    limit = _limit(request, MAX_REFUNDS_PAGE)

    def first_page(session: Session, order: Order) -> list[RefundState]:
        assert order.id is not None
        return refund_page(session, order.id, 0, limit)

    state, shown = _refunds_read(scope, store, order_id, first_page)
    wire = wire_for(version)
    return reply({"refunds": [render.refund(r, state, wire) for r in shown]})


async def get_refund(version: str, order_id: str, refund_id: str, request: Request) -> Response:
    scope, store = enter(request, version)

    def the_refund(session: Session, order: Order) -> list[RefundState]:
        found = refund_of(session, order, refund_id)
        return [] if found is None else [found]

    state, shown = _refunds_read(scope, store, order_id, the_refund)
    if not shown:
        raise RefundNotFound(refund_id)
    return reply({"refund": render.refund(shown[0], state, wire_for(version))})


async def list_orders_route(version: str, request: Request) -> Response:
    scope, store = enter(request, version)
    limit = _limit(request, MAX_ORDERS_PAGE)
    params = request.query_params
    try:
        if params.get("page_info"):
            filters, offset = listing.decode_cursor(params["page_info"])
        else:
            filters, offset = listing.OrderFilter.from_query(params), 0
    except listing.BadQuery as error:
        raise fail(400, str(error)) from None
    assert store.id is not None
    # One more than the page tells whether a next page exists.
    query = OrderQuery(
        refs=filters.ids,
        offset=offset,
        limit=limit + 1,
        where=filters.conditions(),
        with_refunds=True,  # an order shows its refunds
    )
    with scope.runtime.db.read() as session:
        states, _ = list_orders(session, store.id, query)
    # The SQL filters and these checks follow the same rules; a page shows only orders
    # that both pass.
    page = [state for state in states[:limit] if filters.matches(state)]
    more = len(states) > limit
    previous = listing.encode_cursor(filters, max(offset - limit, 0)) if offset > 0 else None
    following = listing.encode_cursor(filters, offset + limit) if more else None
    headers = {}
    if previous or following:
        # The path as the client sent it: a sandbox prefix stays in the links.
        base = str(request.url.replace(path=original_path(request), query=""))
        headers["Link"] = listing.link_header(base, limit, previous, following)
    wire = wire_for(version)
    return reply({"orders": [render.order(state, wire) for state in page]}, headers=headers)


router.add_api_route(
    f"{BASE}/order/refund.json", create_refund, methods=["POST"], summary="Refund an order"
)
router.add_api_route(
    f"{BASE}/orders/{{order_id}}/refunds/calculate.json",
    calculate_refund,
    methods=["POST"],
    summary="Refund trial: what a refund would be, storing nothing",
)
router.add_api_route(
    f"{BASE}/orders/{{order_id}}/refunds.json",
    list_refunds,
    methods=["GET"],
    summary="The refunds of an order",
)
router.add_api_route(
    f"{BASE}/orders/{{order_id}}/refunds/{{refund_id}}.json",
    get_refund,
    methods=["GET"],
    summary="One refund of an order",
)
router.add_api_route(f"{BASE}/orders.json", list_orders_route, methods=["GET"], summary="Orders")
