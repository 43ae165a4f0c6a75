"""Create an order — `POST /openapi/v2/order/orders` — so that a client's own test can
make the order it then refunds, through Kakaclo's API alone.

The order is made of SKUs of the store's catalogue (prices and names from there), paid
and waiting to ship at once, so it can be refunded straight away. Everything is checked
before anything is written, and the order is written in one transaction: a refused
request changes nothing, and uses up no id.
"""

from datetime import datetime

from pydantic import ValidationError
from sqlmodel import Session, select
from starlette.requests import Request
from starlette.responses import Response

from mockrefund.core.models import Order, Store
from mockrefund.core.refunds import IdScheme
from mockrefund.fixtures.schema import ItemFixture, OrderFixture
from mockrefund.fixtures.seed import add_order
from mockrefund.platforms.kakaclo.errors import BAD_ADDRESS, BAD_PARAMETER, fail
from mockrefund.platforms.kakaclo.order_checks import WantedLine, check_address, check_lines
from mockrefund.platforms.kakaclo.schemas import CreateOrderBody
from mockrefund.platforms.kakaclo.wire import authenticate, json_object, ok
from mockrefund.web.context import open_scope
from mockrefund.web.text import field_path, first_problem

DEFAULT_CHANNEL = "Standard"


def _id(kind: str, number: int) -> str:
    # Kakaclo's order ids are 13 digits (`1000000463303`): 1, then the number in 12.
    return f"1{number:012d}" if kind == "order" else str(number)


IDS = IdScheme(
    sequences={"order": "order", "order_item": "order_item"},
    starts={"order": 1, "order_item": 1_000_001},
    format=_id,
)


async def create_order(request: Request) -> Response:
    scope = open_scope(request)
    store = authenticate(request, scope)
    body = _parse(await json_object(request))
    address = check_address(body.orderAddresses)
    lines = check_lines(store, body.orderItemsList)
    with scope.runtime.db.write() as session:
        order_ref = _free_order_id(session, store)
        item_ids = [IDS.next(session, store, "order_item") for _ in lines]
        add_order(session, store, _order(order_ref, item_ids, body, address, lines, scope.now))
    return ok(order_ref)


def _parse(data: dict[str, object]) -> CreateOrderBody:
    try:
        return CreateOrderBody.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = first["loc"]
        code = BAD_ADDRESS if where and where[0] == "orderAddresses" else BAD_PARAMETER
        if first["type"] == "model_type":  # pydantic would name its model class
            raise fail(code, f"{field_path(where)} must be a JSON object") from None
        raise fail(code, first_problem(error)) from None


def _free_order_id(session: Session, store: Store) -> str:
    """The next order id of the store's sequence that no order of the store has: the
    fixtures give orders ids of their own, which the sequence skips."""
    while True:
        ref = IDS.next(session, store, "order")
        taken = session.exec(
            select(Order.id).where(Order.store_id == store.id, Order.ref == ref)
        ).first()
        if taken is None:
            return ref


def _order(
    order_ref: str,
    item_ids: list[str],
    body: CreateOrderBody,
    address: dict[str, str | None],
    lines: list[WantedLine],
    now: datetime,
) -> OrderFixture:
    """The new order in the fixture format, which `add_order` writes as the fixtures'."""
    return OrderFixture(
        id=order_ref,
        created_at=now,
        paid=True,
        items=[
            ItemFixture(
                id=item_id,
                sku=line.sku.sku,
                name=line.sku.name,
                quantity=line.quantity,
                price=line.sku.price,
                attributes=dict(line.sku.attributes),
            )
            for item_id, line in zip(item_ids, lines, strict=True)
        ],
        attributes={
            "customOrderId": body.customOrderId or None,
            "remark": body.remark or None,
            "salePlatform": body.salePlatform or None,
            "channelType": body.channelType or DEFAULT_CHANNEL,
            "shippingAddress": address,
        },
    )
