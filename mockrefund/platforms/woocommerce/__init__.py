"""WooCommerce legacy REST API v3 (`/wc-api/v3/orders/{id}/refunds`): refunds, full CRUD."""

from mockrefund.platforms.woocommerce.errors import DIALECT
from mockrefund.platforms.woocommerce.routes import router

__all__ = ["DIALECT", "router"]
