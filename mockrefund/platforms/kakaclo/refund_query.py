"""Query ReFund in the docs' latest form: `GET .../order/refund?refundNo=&ids=`.

`refundNo` lists refund numbers and `ids` order ids, each comma-separated. A refund is
listed when its number is in `refundNo` (if given) and its order in `ids` (if given);
with neither, every refund of the store is. Newest first, paged like the other lists.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, func
from sqlalchemy import select as sql_select
from starlette.requests import Request
from starlette.responses import Response

from mockrefund.core import lifecycle
from mockrefund.core.models import Order, Refund, Store
from mockrefund.core.orders import RefundState
from mockrefund.core.values import table_of
from mockrefund.platforms.kakaclo import render
from mockrefund.platforms.kakaclo.errors import BAD_PARAMETER, fail
from mockrefund.platforms.kakaclo.wire import authenticate, ok, paging
from mockrefund.web.context import Scope, open_scope

# Bounds on the lists, so one query never asks the database for an unbounded IN (...).
MAX_VALUES = 100
# As long as an id may be in the fixtures.
MAX_VALUE_LENGTH = 64


@dataclass(frozen=True)
class RefundFilter:
    numbers: Sequence[str] | None
    order_ids: Sequence[str] | None


async def query_refunds(request: Request) -> Response:
    scope = open_scope(request)
    store = authenticate(request, scope)
    page_number, page_size = paging(request)
    wanted = RefundFilter(_id_list(request, "refundNo"), _id_list(request, "ids"))
    offset = (page_number - 1) * page_size
    total, page = _page(scope, store, wanted, offset, page_size)
    # A status read of the refunds shown: those forced to settle "after N reads" count it.
    if lifecycle.note_status_reads(scope.runtime.db, [refund for refund, _ in page], scope.now):
        total, page = _page(scope, store, wanted, offset, page_size)
    return ok(
        {
            "total": total,
            "pageNumber": page_number,
            "pageSize": page_size,
            "list": [render.refund_entry(RefundState(refund), order) for refund, order in page],
        },
        message="success",
    )


def _id_list(request: Request, name: str) -> list[str] | None:
    """The comma-separated values of a parameter, in order, without blanks and repeats;
    None when it is left out or names nothing."""
    raw = request.query_params.getlist(name)
    values = list(dict.fromkeys(part.strip() for text in raw for part in text.split(",")))
    values = [value for value in values if value]
    if not values:
        return None
    if len(values) > MAX_VALUES:
        raise fail(BAD_PARAMETER, f"{name} takes at most {MAX_VALUES} values, got {len(values)}")
    for value in values:
        if len(value) > MAX_VALUE_LENGTH:
            raise fail(
                BAD_PARAMETER,
                f"{name}: each value is at most {MAX_VALUE_LENGTH} characters, "
                f"got one of {len(value)}",
            )
        if not value.isprintable():
            raise fail(BAD_PARAMETER, f"{name}: a value holds a control character")
    return values


def _page(
    scope: Scope, store: Store, wanted: RefundFilter, offset: int, limit: int
) -> tuple[int, list[tuple[Refund, str]]]:
    """How many refunds match, and the page of them (each with its order's id)."""
    conditions = _conditions(store, wanted)
    with scope.runtime.db.read() as session:
        conn = session.connection()
        total = conn.execute(_COUNT.where(*conditions)).scalar_one()
        rows = conn.execute(
            _PAGE.where(*conditions)
            .order_by(_REFUNDS.c.id.desc())  # newest first, as the path form lists them
            .offset(offset)
            .limit(limit)
        ).all()
    return int(total), [(_refund(row), row.order_ref) for row in rows]


def _conditions(store: Store, wanted: RefundFilter) -> list[ColumnElement[bool]]:
    conditions = [_REFUNDS.c.sandbox_id == store.sandbox_id, _ORDERS.c.store_id == store.id]
    if wanted.numbers is not None:
        conditions.append(_REFUNDS.c.ref.in_(list(wanted.numbers)))
    if wanted.order_ids is not None:
        conditions.append(_ORDERS.c.ref.in_(list(wanted.order_ids)))
    return conditions


def _refund(row: Row[Any]) -> Refund:
    """The refund of a joined row (its order's id aside)."""
    columns = {key: value for key, value in row._mapping.items() if key != "order_ref"}
    return Refund.model_construct(**columns)


_REFUNDS, _ORDERS = table_of(Refund), table_of(Order)
_JOINED = _REFUNDS.join(_ORDERS, _ORDERS.c.id == _REFUNDS.c.order_id)
_COUNT = sql_select(func.count()).select_from(_JOINED)
_PAGE = sql_select(_REFUNDS, _ORDERS.c.ref.label("order_ref")).select_from(_JOINED)
