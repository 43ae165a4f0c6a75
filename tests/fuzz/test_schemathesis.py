"""Property-based fuzzing of each emulated API from its own OpenAPI document.

Schemathesis generates requests from `/__admin/openapi/{platform}.json` and sends them
to the app in process. Whatever it sends, the answer must never be an unexpected 5xx,
and every error must be in that platform's own format (never FastAPI's `{"detail"}`).
"""

import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from mockrefund.app import create_app
from mockrefund.runtime import Runtime
from tests.conftest import make_settings

EXAMPLES = 30  # per operation: enough to find shape bugs, small enough for every CI run

# A file, not memory: the transport may run the app's lifespan (and its shutdown) per call.
runtime = Runtime(make_settings(db=str(Path(tempfile.mkdtemp()) / "fuzz.db")))
runtime.start()
app = create_app(runtime=runtime)

HEADERS = {
    "kakaclo": {"Authorization": "Bearer kakaclo-test-token"},
    "shopline": {"Authorization": "Bearer shopline-test-token"},
    "woocommerce": {"Authorization": "Basic Y2tfbW9ja3JlZnVuZF90ZXN0OmNzX21vY2tyZWZ1bmRfdGVzdA=="},
}
# The one 5xx WooCommerce documents: the gateway refusing a refund.
EXPECTED_5XX = {"woocommerce_api_create_order_refund_api_failed"}


def _kakaclo_error(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and set(body) == {"code", "message", "data"}
        and body["code"] != 10000
        and isinstance(body["message"], str)
        and body["data"] is None
    )


def _shopline_error(body: Any) -> bool:
    return isinstance(body, dict) and set(body) == {"errors"}


def _woocommerce_error(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and set(body) == {"errors"}
        and isinstance(body["errors"], list)
        and all(set(e) == {"code", "message"} for e in body["errors"])
    )


IS_ERROR = {
    "kakaclo": _kakaclo_error,
    "shopline": _shopline_error,
    "woocommerce": _woocommerce_error,
}


def check(platform: str, response: Any) -> None:
    body = response.json()
    assert "detail" not in body
    if platform == "shopline":
        assert response.headers.get("traceid")
    if response.status_code >= 400:
        assert IS_ERROR[platform](body), (response.status_code, body)
    if response.status_code >= 500:
        codes = (
            {e.get("code") for e in body.get("errors", [])} if platform == "woocommerce" else set()
        )
        assert codes, (response.status_code, body)
        assert codes <= EXPECTED_5XX, (response.status_code, body)


def fuzz(platform: str) -> Any:
    schema = schemathesis.openapi.from_asgi(f"/__admin/openapi/{platform}.json", app)

    @schema.parametrize()
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def test(case: Any) -> None:
        check(platform, case.call(headers=HEADERS[platform]))

    return test


test_kakaclo = fuzz("kakaclo")
test_shopline = fuzz("shopline")
test_woocommerce = fuzz("woocommerce")


@pytest.mark.parametrize("platform", list(HEADERS))
def test_every_platform_document_is_served(platform: str) -> None:
    from fastapi.testclient import TestClient

    document = TestClient(app).get(f"/__admin/openapi/{platform}.json").json()
    assert document["openapi"].startswith("3.")
    assert document["paths"]
    for item in document["paths"].values():
        for operation in item.values():
            assert operation["responses"]
