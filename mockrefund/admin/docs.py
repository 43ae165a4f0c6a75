"""The control plane's own OpenAPI document and a Swagger UI page that needs no internet.

The page's scripts and styles are served from the `fastapi-offline` package instead of a
CDN, so the docs work on an air-gapped CI runner. The document describes `/__admin` only;
the emulated APIs speak their platforms' formats and are documented apart.
"""

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mockrefund.admin.document import complete
from mockrefund.platforms.kakaclo import openapi as kakaclo_openapi
from mockrefund.platforms.shopline import openapi as shopline_openapi
from mockrefund.platforms.woocommerce import openapi as woocommerce_openapi
from mockrefund.web.responses import WireJSON

ADMIN = "/__admin"
ASSETS = Path(fastapi_offline.__file__).parent / "static"
OPENAPI_URL = f"{ADMIN}/openapi.json"
# Each emulated API's own document, at /__admin/openapi/{platform}.json.
PLATFORM_DOCUMENTS = {
    "kakaclo": kakaclo_openapi.document,
    "shopline": shopline_openapi.document,
    "woocommerce": woocommerce_openapi.document,
}


def install_docs(app: FastAPI) -> None:
    app.mount(f"{ADMIN}/static", StaticFiles(directory=ASSETS), name="admin-static")
    full_document = app.openapi

    def admin_document() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = full_document()
            document["paths"] = {
                path: item for path, item in document["paths"].items() if path.startswith(ADMIN)
            }
            app.openapi_schema = complete(document)
        return app.openapi_schema

    app.openapi = admin_document  # type: ignore[method-assign]

    @app.get(f"{ADMIN}/openapi/{{platform}}.json", include_in_schema=False)
    async def platform_document(platform: str) -> Response:
        build = PLATFORM_DOCUMENTS.get(platform)
        if build is None:
            return WireJSON({"error": f"no platform {platform!r}", "status": 404}, 404)
        return WireJSON(build())

    @app.get(f"{ADMIN}/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{OPENAPI_URL}",
            title="mockrefund control plane",
            swagger_js_url=f"{root}{ADMIN}/static/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ADMIN}/static/swagger-ui.css",
            swagger_favicon_url=f"{root}{ADMIN}/static/favicon.png",
        )
