"""SHOPLINE's request bodies: order refund and refund trial, as documented.

Money arrives as strings ("2.34"); numbers are taken too. Ids are long numbers or digit
strings, kept as text. Unknown fields are ignored, as SHOPLINE's Java services do.
"""

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

LineType = Literal["Unshipped", "Returned", "Shipped"]


def _text_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    return value


def _money_text(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError('must be an amount such as "2.34"')
    return value


def _two_places(value: Decimal) -> Decimal:
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("has more than 2 decimal places")
    return value


def _line_type(value: Any) -> Any:
    # SHOPLINE spells them Unshipped / Returned; the seed's own example says "Shipped".
    if isinstance(value, str):
        for known in ("Unshipped", "Returned", "Shipped"):
            if value.strip().lower() == known.lower():
                return known
    return value


Id = Annotated[str, BeforeValidator(_text_id), Field(min_length=1, max_length=64)]
Quantity = Annotated[int, BeforeValidator(_no_bool), Field(ge=-(2**31), le=2**31 - 1)]
Money = Annotated[
    Decimal,
    BeforeValidator(_money_text),
    Field(allow_inf_nan=False, max_digits=18),
    AfterValidator(_two_places),
]
Currency = Annotated[str, Field(min_length=1, max_length=8)]
Type = Annotated[LineType, BeforeValidator(_line_type)]


class WireModel(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ShippingBody(WireModel):
    amount: Money | None = None
    full_refund: bool | None = None


class RefundLineBody(WireModel):
    line_item_id: Id
    location_id: Id | None = None
    quantity: Quantity
    restock_type: Annotated[str | None, Field(max_length=64)] = None
    type: Type


class TransactionBody(WireModel):
    amount: Money
    gateway: Annotated[str | None, Field(max_length=128)] = None
    id: Id
    kind: Annotated[str | None, Field(max_length=64)] = None
    type: bool | None = None
    currency: Currency | None = None


class RefundBody(WireModel):
    order_id: Id
    note: Annotated[str | None, Field(max_length=5000)] = None
    notify: bool | None = None
    currency: Currency | None = None
    processed_at: Annotated[str | None, Field(max_length=64)] = None
    refund_line_items: list[RefundLineBody] | None = None
    shipping: ShippingBody | None = None
    transactions: list[TransactionBody]


class CalculateLineBody(WireModel):
    line_item_id: Id
    quantity: Quantity
    type: Type | None = None


class CalculateBody(WireModel):
    currency: Currency | None = None
    refund_line_items: list[CalculateLineBody] | None = None
    shipping: ShippingBody | None = None
