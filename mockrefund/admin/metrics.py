"""`GET /__admin/metrics`: the server's figures in Prometheus' text format (see
`mockrefund.metrics`), behind the admin token like the rest of the control plane."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from mockrefund.metrics import Metrics

router = APIRouter(tags=["server"])


@router.get(
    "/metrics",
    summary="The server's figures, for Prometheus",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "The figures."}},
)
def metrics(request: Request) -> Response:
    """Requests by platform, route and status, their latency, and what the database holds
    (sandboxes, journal entries, refunds by platform and status)."""
    figures: Metrics = request.app.state.metrics
    # A plain function: FastAPI runs it on a thread, as the figures read the database.
    return Response(figures.exposition(), media_type=CONTENT_TYPE_LATEST)
