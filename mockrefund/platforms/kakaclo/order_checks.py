"""The rules a new Kakaclo order must meet, each refused with its own error code.

Kakaclo documents the fields of the create-order body, not which are required or their
formats: these rules are the mock's own (the fidelity notes of docs/kakaclo.md list them).
"""

import re
from dataclasses import dataclass

from mockrefund.core import catalogue
from mockrefund.core.models import Store
from mockrefund.platforms.kakaclo.errors import (
    BAD_ADDRESS,
    BAD_ORDER_QUANTITY,
    BAD_PARAMETER,
    UNKNOWN_SKU,
    fail,
)
from mockrefund.platforms.kakaclo.schemas import OrderAddress, OrderLine

REQUIRED_ADDRESS = ("country", "recipient", "phone", "street1", "city", "zip")
MAX_LINES = 100
MAX_QUANTITY = 999

# ISO 3166-1 alpha-2, as Kakaclo's examples write countries (`US`).
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{2,31}")
_ZIP = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-]{0,15}")
# The EU's import one-stop-shop number: IM, then 10 digits.
_IOSS = re.compile(r"IM[0-9]{10}")
_VAT = re.compile(r"[A-Za-z0-9]{2,32}")
_FORMATS = {
    "country": (_COUNTRY, "a two-letter country code such as US"),
    "phone": (_PHONE, "a phone number: digits, spaces, +, -, ( and ), 3 to 32 characters"),
    "zip": (_ZIP, "a postal code: letters, digits, spaces and -, at most 16 characters"),
    "ioss": (_IOSS, "an IOSS number: IM and 10 digits"),
    "vat": (_VAT, "a VAT number: 2 to 32 letters and digits"),
}


def check_address(address: OrderAddress | None) -> dict[str, str | None]:
    """The address as the order keeps it (country in capitals), or a 60003 refusal."""
    if address is None:
        raise fail(BAD_ADDRESS, "orderAddresses is required")
    fields: dict[str, str | None] = {
        name: (getattr(address, name) or None) for name in OrderAddress.model_fields
    }
    for name in REQUIRED_ADDRESS:
        if fields[name] is None:
            raise fail(BAD_ADDRESS, f"orderAddresses.{name} is required")
    for name, (pattern, what) in _FORMATS.items():
        value = fields[name]
        if value is not None and not pattern.fullmatch(value):
            raise fail(BAD_ADDRESS, f"orderAddresses.{name} must be {what}")
    fields["country"] = (fields["country"] or "").upper()
    return fields


@dataclass(frozen=True)
class WantedLine:
    sku: catalogue.Sku
    quantity: int


def check_lines(store: Store, lines: list[OrderLine] | None) -> list[WantedLine]:
    """One line per SKU, in the order first named (a SKU named twice has its quantities
    added up), each in the store's catalogue; or a refusal."""
    if not lines:
        raise fail(BAD_PARAMETER, "orderItemsList must name at least one item")
    if len(lines) > MAX_LINES:
        raise fail(BAD_PARAMETER, f"orderItemsList takes at most {MAX_LINES} items")
    quantities: dict[str, int] = {}
    for index, line in enumerate(lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise fail(
                BAD_ORDER_QUANTITY,
                f"orderItemsList[{index}].quantity must be between 1 and {MAX_QUANTITY}",
            )
        quantities[line.sku] = quantities.get(line.sku, 0) + line.quantity
    wanted = []
    for sku, quantity in quantities.items():
        found = catalogue.find(store, sku)
        if found is None:
            raise fail(UNKNOWN_SKU, f"SKU {sku} is not in the store's catalogue")
        if quantity > MAX_QUANTITY:
            raise fail(
                BAD_ORDER_QUANTITY,
                f"SKU {sku}: {quantity} units in all; at most {MAX_QUANTITY} per SKU",
            )
        wanted.append(WantedLine(found, quantity))
    return wanted
