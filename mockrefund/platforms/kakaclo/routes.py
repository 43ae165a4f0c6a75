"""Kakaclo's open API: refund an order, query its refunds, list orders.

Order pages write paths as `/openapi/v2/...` under a base URL that already ends in
`/openapi`, so clients send `/openapi/openapi/v2/...`; both forms, and v1, are served.
"""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from mockrefund.core import credentials, lifecycle, refunds
from mockrefund.core.errors import OrderNotFound, RefundNotFound
from mockrefund.core.models import Store
from mockrefund.core.orders import (
    OrderQuery,
    OrderState,
    RefundState,
    cached_state,
    counted_refund_page,
    list_orders,
    load_states,
    refund_of,
)
from mockrefund.core.refunds import IdScheme, ItemSelector, LineRequest, RefundPolicy, RefundRequest
from mockrefund.platforms.kakaclo import render
from mockrefund.platforms.kakaclo.errors import (
    BAD_BODY,
    BAD_CONTENT_TYPE,
    BAD_PARAMETER,
    BAD_TOKEN,
    NO_TOKEN,
    OK,
    RATE_LIMITED,
    REFUND_NOT_FOUND,
    fail,
)
from mockrefund.platforms.kakaclo.schemas import RefundBody
from mockrefund.web.body import is_json_media, media_type, parse_json, read_body
from mockrefund.web.context import Scope, open_scope
from mockrefund.web.ratelimit import admitted
from mockrefund.web.responses import WireJSON
from mockrefund.web.text import first_problem, is_digits

PLATFORM = "kakaclo"
PREFIXES = ("/openapi/v2", "/openapi/openapi/v2", "/openapi/v1", "/openapi/openapi/v1")
MAX_PAGE_SIZE = 250
# Java's int, which a Java service such as Kakaclo's takes page numbers as.
MAX_PAGE_NUMBER = 2**31 - 1

POLICY = RefundPolicy(
    ids=IdScheme(sequences={"refund": "refund"}, starts={"refund": 1_000_001}),
    refuse_shipped=True,
    refuse_cancelled=True,
    refuse_unpaid=True,
    refuse_statuses=frozenset({"completed"}),
    asynchronous=True,
)

router = APIRouter()


def ok(data: Any, message: str = "ok") -> Response:
    return WireJSON({"code": OK, "message": message, "data": data})


def authenticate(request: Request, scope: Scope) -> Store:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if not header:
        raise fail(NO_TOKEN, "missing access token: send Authorization: Bearer <token>")
    if scheme.lower() != "bearer" or not token:
        raise fail(NO_TOKEN, "the Authorization header must be 'Bearer <token>'")
    found = credentials.lookup(scope.runtime.db, scope.sandbox_id, PLATFORM, token)
    if found is None:
        raise fail(BAD_TOKEN, "invalid access token")
    credential, store = found
    if credential.expires_at is not None and credential.expires_at <= scope.now:
        raise fail(BAD_TOKEN, "the access token has expired")
    assert store.id is not None
    if not admitted(scope, PLATFORM, store.id):
        raise fail(RATE_LIMITED, "too many requests: the store's leaky bucket (120, 2/s) is full")
    return store


async def refund_body(request: Request) -> RefundBody:
    raw = await read_body(request)
    if not raw.strip():
        return RefundBody()
    declared = media_type(request)
    if declared and not is_json_media(declared):
        raise fail(
            BAD_CONTENT_TYPE,
            f"Content-Type {declared!r} is not supported; send application/json",
        )
    data = parse_json(raw)
    if not isinstance(data, dict):
        raise fail(BAD_BODY, "the request body must be a JSON object")
    try:
        return RefundBody.model_validate(data)
    except ValidationError as error:
        raise fail(BAD_PARAMETER, first_problem(error)) from None


async def create_refund(order_id: str, request: Request) -> Response:
    scope = open_scope(request)
    store = authenticate(request, scope)
    body = await refund_body(request)
    lines = None
    if body.orderItems:
        lines = [
            LineRequest(
                item=ItemSelector(
                    ref=item.itemId,
                    sku=item.skuCode or None,
                    attributes={"countryCode": item.countryCode} if item.countryCode else {},
                ),
                quantity=item.quantity,
            )
            for item in body.orderItems
        ]
    created = refunds.create(
        scope.runtime.db,
        store,
        RefundRequest(
            order_ref=order_id,
            lines=lines,
            reason=body.refundReason or "Other",
            note=body.remark or "",
        ),
        POLICY,
        scope.life,
        scope.now,
    )
    return ok(render.refund_number(created.refund.refund.ref))


async def query_refund(order_id: str, request: Request) -> Response:
    """The refunds of an order, newest first, a page at a time; a refund number is
    accepted in the order's place too."""
    scope = open_scope(request)
    store = authenticate(request, scope)
    page_number, page_size = _paging(request)
    offset = (page_number - 1) * page_size
    state, shown, total = _refunds_queried(scope, store, order_id, offset, page_size)
    # A status read of the refunds shown: those forced to settle "after N reads" count it.
    if lifecycle.note_status_reads(scope.runtime.db, [r.refund for r in shown], scope.now):
        state, shown, total = _refunds_queried(scope, store, order_id, offset, page_size)
    return ok(
        {
            "total": total,
            "pageNumber": page_number,
            "pageSize": page_size,
            "list": [render.refund_entry(r, state.order.ref) for r in shown],
        },
        message="success",
    )


def _refunds_queried(
    scope: Scope, store: Store, order_id: str, offset: int, limit: int
) -> tuple[OrderState, list[RefundState], int]:
    """The order named and a page of its refunds (newest first), with how many it has in
    all; or, for a refund number, that refund's order and that refund alone."""
    assert store.id is not None
    db = scope.runtime.db
    try:
        state = cached_state(db, store.id, order_id)
    except OrderNotFound:
        pass
    else:
        order = state.order
        assert order.id is not None
        order_key = order.id

        def load_page() -> tuple[list[RefundState], int]:
            with db.read() as session:
                return counted_refund_page(session, order_key, offset, limit)

        page, total = db.cache.get(("refund page", order_key, offset, limit), load_page)
        return state, page, total
    with db.read() as session:
        try:
            refund, found = refunds.find(session, store, order_id)
        except RefundNotFound:
            raise fail(REFUND_NOT_FOUND, f"no order or refund {order_id}") from None
        one = refund_of(session, found, refund.ref)
        assert one is not None
        shown = [one][offset : offset + limit]
        return load_states(session, [found])[0], shown, 1


async def list_orders_route(request: Request) -> Response:
    scope = open_scope(request)
    store = authenticate(request, scope)
    page_number, page_size = _paging(request)
    params = request.query_params
    ids = params.get("ids")
    query = OrderQuery(
        refs=[part.strip() for part in ids.split(",") if part.strip()] if ids else None,
        created_from=_time_param(request, "createStartTime"),
        created_to=_time_param(request, "createEndTime"),
        updated_from=_time_param(request, "updateStartTime"),
        updated_to=_time_param(request, "updateEndTime"),
        offset=(page_number - 1) * page_size,
        limit=page_size + 1,  # one more tells whether there is a next page
        with_refunds=True,  # their dates: `refundDate`, `modifyDate`
    )
    assert store.id is not None
    with scope.runtime.db.read() as session:
        states, total = list_orders(session, store.id, query)
    following = states[page_size] if len(states) > page_size else None
    states = states[:page_size]
    return ok(
        {
            "vo": None,
            "list": [render.order(state) for state in states],
            "total": total,
            "pageNumber": page_number,
            "pageSize": page_size,
            "totalPageNumber": (total + page_size - 1) // page_size,
            "modifyDate": render.iso(max((render.modify_date(s) for s in states), default=None)),
            "nextId": following.order.ref if following else None,
        },
        message="success",
    )


def _paging(request: Request) -> tuple[int, int]:
    number = _int_param(request, "pageNumber", 1)
    size = _int_param(request, "pageSize", 10)
    if not 1 <= number <= MAX_PAGE_NUMBER:
        raise fail(BAD_PARAMETER, f"pageNumber must be between 1 and {MAX_PAGE_NUMBER}")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise fail(BAD_PARAMETER, f"pageSize must be between 1 and {MAX_PAGE_SIZE}")
    return number, size


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not is_digits(raw):
        raise fail(BAD_PARAMETER, f"{name} must be a whole number, got {raw[:40]!r}")
    if len(raw) > 10:  # past any bound below, and never a huge number to convert
        return MAX_PAGE_NUMBER + 1
    return int(raw)


def _time_param(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip().strip('"'))
    except ValueError:
        raise fail(
            BAD_PARAMETER, f"{name} must be an ISO-8601 time like 2016-01-18T23:41:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


for _prefix in PREFIXES:
    _canonical = _prefix == "/openapi/v2"
    router.add_api_route(
        f"{_prefix}/order/orders/{{order_id}}/refund",
        create_refund,
        methods=["POST"],
        include_in_schema=_canonical,
        summary="Refund an order (asynchronous)",
    )
    router.add_api_route(
        f"{_prefix}/order/orders/refund/{{order_id}}",
        query_refund,
        methods=["GET"],
        include_in_schema=_canonical,
        summary="Query the refunds of an order",
    )
    router.add_api_route(
        f"{_prefix}/order/orders",
        list_orders_route,
        methods=["GET"],
        include_in_schema=_canonical,
        summary="List orders",
    )
