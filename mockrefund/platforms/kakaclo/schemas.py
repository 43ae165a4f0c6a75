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
