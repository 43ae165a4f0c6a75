"""The dashboard under `/__admin/ui`, assembled: its pages, its buttons, signing in, and
its static files (the style sheet, htmx)."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from mockrefund.admin.guard import DASHBOARD
from mockrefund.dashboard import buttons, pages, signin
from mockrefund.dashboard.templates import STATIC


def install(app: FastAPI) -> None:
    app.include_router(pages.router)
    app.include_router(buttons.router)
    app.include_router(signin.router, prefix=DASHBOARD)
    app.mount(f"{DASHBOARD}/static", StaticFiles(directory=STATIC), name="dashboard-static")
