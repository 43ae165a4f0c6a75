"""Orders through the control plane: add one, ship it, cancel it, mark it paid, and set
how its payment gateway answers refunds.

Each platform keeps its own status words; a change sets the word the platform would
show (a cancelled WooCommerce order is `cancelled`, a Kakaclo one `cancel`).
"""

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from sqlmodel import select

from mockrefund.admin.deps import RuntimeDep, SandboxDep
from mockrefund.core import order_changes, sandboxes
from mockrefund.core.models import GatewayBehaviour, Order
from mockrefund.core.orders import OrderState
from mockrefund.fixtures.schema import ORDER_STATUSES, OrderFixture, Platform
from mockrefund.fixtures.seed import add_order
from mockrefund.runtime import Runtime

router = APIRouter(tags=["orders"])

CANCELLED = {"kakaclo": "cancel", "shopline": "cancelled", "woocommerce": "cancelled"}
# Paying moves a WooCommerce order on from `pending` or `failed`; elsewhere it is derived.
UNPAID_WORDS = {"woocommerce": ("pending", "failed")}
ALL_SHIPPED = {"woocommerce": "completed"}


class NewOrder(BaseModel):
    platform: Platform
    store: str | None = Field(None, description="Store handle (default: the platform's first).")
    order: OrderFixture


class Shipment(BaseModel):
    items: dict[str, int] | None = Field(
        None, description="Units to ship per order item id; none ships everything left."
    )


class Gateway(BaseModel):
    behaviour: Literal["refund", "fail", "unsupported"]


def _now(runtime: Runtime, sandbox_id: str) -> datetime:
    return sandboxes.prepare(runtime.db, sandbox_id)[0]


def _store(runtime: Runtime, sandbox_id: str, platform: str, handle: str | None) -> Any:
    with runtime.db.read() as session:
        return order_changes.find_store(session, sandbox_id, platform, handle)


def _view(platform: str, store: Any, state: OrderState) -> dict[str, Any]:
    order = state.order
    return {
        "platform": platform,
        "store": store.handle,
        "order_id": order.ref,
        "status": order.status,
        "paid": order.paid,
        "cancelled": order.cancelled,
        "items": {line.item.ref: {"quantity": line.item.quantity,
                                  "shipped": line.item.shipped_quantity}
                  for line in state.lines},
    }  # fmt: skip


@router.post("/orders", status_code=201, summary="Add an order (in the fixture format)")
def create_order(runtime: RuntimeDep, sandbox_id: SandboxDep, body: NewOrder) -> dict[str, Any]:
    status = body.order.status
    if status is not None and status not in ORDER_STATUSES[body.platform]:
        raise HTTPException(400, f"{status!r} is not a {body.platform} order status")
    store = _store(runtime, sandbox_id, body.platform, body.store)
    with runtime.db.write() as session:
        exists = session.exec(
            select(Order.id).where(Order.store_id == store.id, Order.ref == body.order.id)
        ).first()
        if exists is not None:
            raise HTTPException(409, f"order {body.order.id} exists already in {store.handle}")
        add_order(session, store, body.order)
    return {"platform": body.platform, "store": store.handle, "order_id": body.order.id}


@router.post("/orders/{platform}/{order_id}/ship", summary="Ship an order, or some items")
def ship(
    runtime: RuntimeDep,
    sandbox_id: SandboxDep,
    platform: Platform,
    order_id: str,
    body: Shipment | None = None,
    store: str | None = None,
) -> dict[str, Any]:
    shop = _store(runtime, sandbox_id, platform, store)
    items = body.items if body else None
    state = order_changes.ship(
        runtime.db, shop, order_id, items, _now(runtime, sandbox_id), ALL_SHIPPED.get(platform)
    )
    return _view(platform, shop, state)


@router.post("/orders/{platform}/{order_id}/cancel", summary="Cancel an order")
def cancel(
    runtime: RuntimeDep, sandbox_id: SandboxDep, platform: Platform, order_id: str,
    store: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    shop = _store(runtime, sandbox_id, platform, store)
    state = order_changes.cancel(
        runtime.db, shop, order_id, _now(runtime, sandbox_id), CANCELLED[platform]
    )
    return _view(platform, shop, state)


@router.post("/orders/{platform}/{order_id}/pay", summary="Mark an order paid")
def pay(
    runtime: RuntimeDep, sandbox_id: SandboxDep, platform: Platform, order_id: str,
    store: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    shop = _store(runtime, sandbox_id, platform, store)
    state = order_changes.mark_paid(
        runtime.db, shop, order_id, _now(runtime, sandbox_id), UNPAID_WORDS.get(platform, ())
    )
    return _view(platform, shop, state)


@router.post("/orders/{platform}/{order_id}/gateway", summary="How its gateway answers refunds")
def gateway(
    runtime: RuntimeDep, sandbox_id: SandboxDep, platform: Platform, order_id: str,
    body: Gateway, store: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    shop = _store(runtime, sandbox_id, platform, store)
    state = order_changes.set_gateway(
        runtime.db, shop, order_id, GatewayBehaviour(body.behaviour), _now(runtime, sandbox_id)
    )
    return {**_view(platform, shop, state), "gateway": body.behaviour}
