"""Kakaclo's request bodies, as documented."""

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

RefundReason = Literal[
    "Other",
    "Don't Want Anymore",
    "Product Selection Error/Multiple Selection",
    "Incorrect Address Information",
    "Out Of Stock",
]
REFUND_REASONS: tuple[str, ...] = get_args(RefundReason)


def _text_id(value: Any) -> Any:
    # Ids are strings in Kakaclo's docs; a client that sends 120001 means "120001".
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _whole_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    return value


class WireModel(BaseModel):
    # Unknown fields are ignored, as a Java (Jackson) service usually does.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class RefundItem(WireModel):
    itemId: Annotated[str, BeforeValidator(_text_id), Field(min_length=1, max_length=64)]
    skuCode: Annotated[str | None, Field(max_length=128)] = None
    quantity: Annotated[int, BeforeValidator(_whole_number), Field(ge=-(2**31), le=2**31 - 1)]
    countryCode: Literal["CN", "US"] | None = None


class RefundBody(WireModel):
    remark: Annotated[str | None, Field(max_length=1000)] = None
    refundReason: RefundReason | None = None
    orderItems: list[RefundItem] | None = None


ChannelType = Literal["Standard", "Express", "Expedited"]
CHANNEL_TYPES: tuple[str, ...] = get_args(ChannelType)
# Address parts are text; a client may send a zip code or a phone number as a number.
# (The bounds come before the number's conversion: after it, pydantic words them for
# lists, "at most 200 items".)
AddressText = Annotated[str, Field(max_length=200), BeforeValidator(_text_id)] | None


class OrderAddress(WireModel):
    """The shape of `orderAddresses`; which parts are required, and their formats, are
    checked by `order_checks` (to answer each in the address's own error code)."""

    country: AddressText = None
    phone: AddressText = None
    recipient: AddressText = None
    province: AddressText = None
    street1: AddressText = None
    street2: AddressText = None
    city: AddressText = None
    zip: AddressText = None
    ioss: AddressText = None
    vat: AddressText = None


class OrderLine(WireModel):
    sku: Annotated[str, Field(min_length=1, max_length=128), BeforeValidator(_text_id)]
    # Any whole number here: its bounds have an error code of their own (`order_checks`).
    quantity: Annotated[int, BeforeValidator(_whole_number)]


class CreateOrderBody(WireModel):
    # First: pydantic reports problems in field order, and an address problem has a code
    # of its own.
    orderAddresses: OrderAddress | None = None
    orderItemsList: list[OrderLine] | None = None
    remark: Annotated[str | None, Field(max_length=1000)] = None
    salePlatform: Annotated[str | None, Field(max_length=64)] = None
    customOrderId: Annotated[str, Field(max_length=64), BeforeValidator(_text_id)] | None = None
    channelType: ChannelType | None = None
