"""Exact money.

Amounts are `Decimal` in Python and whole numbers of 1/10000 of a currency unit in the
database, so sums in SQL stay exact and every platform can format to its own precision
(2 decimals for SHOPLINE and WooCommerce, 4 for Kakaclo).
"""

from decimal import ROUND_HALF_UP, Decimal

SCALE = 10_000
ZERO = Decimal("0")
CENT = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")


def to_units(amount: Decimal) -> int:
    """Decimal → stored integer; refuses precision the store cannot keep."""
    scaled = amount * SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than 4 decimal places")
    return int(scaled)


def from_units(units: int) -> Decimal:
    return (Decimal(units) / SCALE).quantize(FOUR_PLACES)


def round_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt2(amount: Decimal) -> str:
    """'10.00' — how SHOPLINE and WooCommerce write money."""
    return str(round_cents(amount))


def fmt4(amount: Decimal) -> Decimal:
    """Decimal('22.2100') — Kakaclo writes money as numbers with 4 decimals."""
    return amount.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
