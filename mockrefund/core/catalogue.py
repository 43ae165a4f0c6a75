"""A store's SKU catalogue: what an order created through an API may contain.

The catalogue comes from the fixtures and never changes while the server runs, so it
is kept with the store's row (under `attributes["catalogue"]`), where copies of a
sandbox and resets take it along with the store, and every request that knows its
store knows its catalogue without another read.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mockrefund.core.models import Store

KEY = "catalogue"


@dataclass(frozen=True)
class Sku:
    sku: str
    name: str
    # Unit price, before tax, in the store's currency.
    price: Decimal
    # Copied onto an order item made of this SKU (Kakaclo: imageUrl, option1, ...).
    attributes: Mapping[str, Any] = field(default_factory=dict)


def stored(skus: Iterable[Sku]) -> dict[str, dict[str, Any]]:
    """The catalogue as the store's attributes keep it (JSON: prices as text, exact)."""
    return {
        sku.sku: {"name": sku.name, "price": str(sku.price), "attributes": dict(sku.attributes)}
        for sku in skus
    }


def find(store: Store, sku: str) -> Sku | None:
    """The store's SKU of that code, or None when its catalogue has none."""
    entry = (store.attributes or {}).get(KEY, {}).get(sku)
    if entry is None:
        return None
    return Sku(sku, entry["name"], Decimal(entry["price"]), entry.get("attributes", {}))
