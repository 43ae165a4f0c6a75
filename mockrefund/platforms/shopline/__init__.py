"""SHOPLINE Admin Open API (`/admin/openapi/{version}/...`): asynchronous order refunds."""

from mockrefund.platforms.shopline.errors import DIALECT
from mockrefund.platforms.shopline.routes import router

__all__ = ["DIALECT", "router"]
