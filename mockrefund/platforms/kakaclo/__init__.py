"""Kakaclo open API (`/openapi/v2/order/...`): asynchronous refunds of unshipped orders."""

from mockrefund.platforms.kakaclo.errors import DIALECT
from mockrefund.platforms.kakaclo.routes import router

__all__ = ["DIALECT", "router"]
