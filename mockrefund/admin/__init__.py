"""The control plane under `/__admin`: health, reset, the mock clock."""

from mockrefund.admin.routes import router

__all__ = ["router"]
