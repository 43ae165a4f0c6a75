"""The control plane's optional token.

A server reachable from other machines serves many teams: with `MOCKREFUND_ADMIN_TOKEN`
set, only callers that send it may create, read or change sandboxes. The health check
stays open for load balancers and container health checks.
"""

import hmac

from fastapi import HTTPException, Request

from mockrefund.web.context import runtime_of

HEADER = "x-mockrefund-admin-token"


def require_admin_token(request: Request) -> None:
    expected = runtime_of(request).settings.admin_token
    if not expected:
        return
    given = request.headers.get(HEADER, "")
    if not given:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        given = token.strip() if scheme.lower() == "bearer" else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            401,
            "this control plane needs its admin token: send Authorization: Bearer TOKEN "
            "or X-Mockrefund-Admin-Token: TOKEN",
        )
