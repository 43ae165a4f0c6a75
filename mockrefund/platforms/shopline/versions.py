"""What SHOPLINE's API versions write differently, as one table the renderer reads.

Every version has the same paths and rules; what differs is how a few values are typed
and which fields an answer carries:
- the seed's version (`v20220901`) and every version before `v20251201` answer as the
  seed page describes: ids typed `long` as numbers, money as 2-decimal strings;
- from `v20251201` on, answers have the JSON types SHOPLINE's official SDK for those
  versions decodes (ids of the refund queries and orders as strings, some money as
  numbers, a create's transaction amount as a whole number), and carry the further
  fields it knows wherever the mock has a value for them.
The renderer (`render`) is one; a `Wire` holds only these differences.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from mockrefund.core.money import fmt2
from mockrefund.web.text import is_digits

INT64_MAX = 2**63 - 1
# The first version whose answers follow the official SDK's types.
SDK_TYPED_FROM = "v20251201"


def long_id(ref: str) -> int | str:
    """Ids typed `long` are numbers on the wire, when they fit one."""
    return int(ref) if is_digits(ref) and int(ref) <= INT64_MAX else ref


def number(amount: Decimal) -> float:
    """Money as a JSON number with at most 2 decimals (a float64 to the SDK)."""
    return float(fmt2(amount))


def minor_units(amount: Decimal) -> int:
    """Money as a whole number of cents: the SDK's int64 amount "with precision 2"."""
    return int((amount * 100).to_integral_value())


@dataclass(frozen=True, slots=True)
class Wire:
    # Ids of refund line items and line items in the refund queries and orders.
    query_id: Callable[[str], int | str]
    # `subtotal` and `total_tax` of a refund line item in the refund queries and orders.
    query_line_money: Callable[[Decimal], str | float]
    # The amounts inside an order adjustment's `tax_amount_set` (create and queries).
    adjustment_tax_money: Callable[[Decimal], str | float]
    # A create answer's `transactions[].amount`.
    created_transaction_amount: Callable[[Decimal], str | int]
    # An order's `payment_details[].pay_amount`.
    pay_amount: Callable[[Decimal], str | float]
    # Whether answers carry the fields only the SDK's versions know.
    sdk_fields: bool


SEED = Wire(
    query_id=long_id,
    query_line_money=fmt2,
    adjustment_tax_money=fmt2,
    created_transaction_amount=fmt2,
    pay_amount=fmt2,
    sdk_fields=False,
)
SDK = Wire(
    query_id=str,
    query_line_money=number,
    adjustment_tax_money=number,
    created_transaction_amount=minor_units,
    pay_amount=number,
    sdk_fields=True,
)


def wire_for(version: str) -> Wire:
    """The wire of a version (`v` + 8 digits, already checked): dates compare as text."""
    return SDK if version >= SDK_TYPED_FROM else SEED
