"""The control plane under `/__admin`: sandboxes, their clocks, and the server's health."""

from mockrefund.admin.routes import install, router

__all__ = ["install", "router"]
