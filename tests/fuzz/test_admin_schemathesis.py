"""Property-based fuzzing of the control plane from its own OpenAPI document.

Whatever schemathesis sends to `/__admin`, the answer is never a 5xx, its status is one
the document lists for the operation, and every error is the control plane's
`{"error": ..., "status": ...}` (never FastAPI's `{"detail"}`). The app is its own,
apart from the platform fuzzing: the rules and switches sent here change its sandboxes.
"""

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from mockrefund.app import create_app
from mockrefund.runtime import Runtime
from tests.conftest import make_settings

EXAMPLES = 8  # per operation: the control plane has fifty of them

runtime = Runtime(make_settings(db=str(Path(tempfile.mkdtemp()) / "admin-fuzz.db")))
runtime.start()
app = create_app(runtime=runtime)
# The journal's streams answer for as long as the client listens, which a fuzzer's call
# never stops doing; tests/e2e/test_journal_stream.py drives them.
schema = schemathesis.openapi.from_asgi("/__admin/openapi.json", app).exclude(
    path_regex=r"/requests/stream"
)


def documented_statuses(case: Any) -> set[str]:
    # 405 answers a method the path does not take, which no operation can list.
    return {*case.operation.definition.raw["responses"], "405"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_control_plane(case: Any) -> None:
    response = case.call()
    status = response.status_code
    assert status < 500, (case.method, case.formatted_path, status, response.text[:300])
    assert str(status) in documented_statuses(case), (
        case.method,
        case.formatted_path,
        status,
        response.text[:300],
    )
    if status >= 400:
        body = response.json()
        assert set(body) == {"error", "status"}, body
        assert body["status"] == status
