"""Kakaclo's open API: refund an order, query refunds, list and create orders.

Order pages write paths as `/openapi/v2/...` under a base URL that already ends in
`/openapi`, so clients send `/openapi/openapi/v2/...`; both forms, and v1, are served.
The latest Query ReFund page writes its path without a version (`/order/refund`), so
that form is served under the bare `/openapi` base as well.
"""

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from mockrefund.core import lifecycle, refunds
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
from mockrefund.platforms.kakaclo.create_order import create_order
from mockrefund.platforms.kakaclo.errors import BAD_PARAMETER, REFUND_NOT_FOUND, fail
from mockrefund.platforms.kakaclo.refund_query import query_refunds
from mockrefund.platforms.kakaclo.schemas import RefundBody
from mockrefund.platforms.kakaclo.wire import authenticate, json_object, ok, paging
from mockrefund.web.context import Scope, open_scope
from mockrefund.web.text import first_problem

PREFIXES = ("/openapi/v2", "/openapi/openapi/v2", "/openapi/v1", "/openapi/openapi/v1")
# Where `/order/refund?refundNo=&ids=` is served: every prefix above, and the bare base.
QUERY_FORM_PREFIXES = ("/openapi", *PREFIXES)

POLICY = RefundPolicy(
    ids=IdScheme(sequences={"refund": "refund"}, starts={"refund": 1_000_001}),
    refuse_shipped=True,
    refuse_cancelled=True,
    refuse_unpaid=True,
    refuse_statuses=frozenset({"completed"}),
    asynchronous=True,
)

router = APIRouter()


async def refund_body(request: Request) -> RefundBody:
    try:
        return RefundBody.model_validate(await json_object(request))
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
        forced_queued=scope.forced_queued,
    )
    return ok(render.refund_number(created.refund.refund.ref))


async def query_refund(order_id: str, request: Request) -> Response:
    """The refunds of an order, newest first, a page at a time; a refund number is
    accepted in the order's place too."""
    scope = open_scope(request)
    store = authenticate(request, scope)
    page_number, page_size = paging(request)
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
    page_number, page_size = paging(request)
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
    router.add_api_route(
        f"{_prefix}/order/orders",
        create_order,
        methods=["POST"],
        include_in_schema=_canonical,
        summary="Create an order (paid, waiting to ship)",
    )

for _prefix in QUERY_FORM_PREFIXES:
    router.add_api_route(
        f"{_prefix}/order/refund",
        query_refunds,
        methods=["GET"],
        include_in_schema=_prefix == "/openapi/v2",
        summary="Query refunds by refund numbers and order ids",
    )
