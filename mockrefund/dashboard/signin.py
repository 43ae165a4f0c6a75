"""Signing in to the dashboard when the server has an admin token.

The form posts the token; when it is right, it goes into a cookie that only the
dashboard's paths receive (HttpOnly: no script reads it; SameSite=Strict: no other site's
page can make the browser send it). `admin.guard` checks the cookie on every request.
"""

import hmac
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from mockrefund.admin.guard import COOKIE, DASHBOARD
from mockrefund.dashboard.templates import render
from mockrefund.web.context import runtime_of

router = APIRouter()


def sign_in_page(root: str, wanted: str, wrong: bool) -> HTMLResponse:
    html = render("sign_in.html", ui=root + DASHBOARD, wanted=wanted, wrong=wrong)
    return HTMLResponse(html, 401)


@router.post("/sign-in", include_in_schema=False)
async def sign_in(request: Request) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    given = form.get("token", [""])[0]
    ui = request.scope.get("root_path", "") + DASHBOARD
    wanted = form.get("next", [""])[0]
    # Back to the page asked for, and never anywhere but the dashboard.
    target = wanted if wanted == ui or wanted.startswith(ui + "/") else ui + "/"
    token = runtime_of(request).settings.admin_token
    if token is None:
        return RedirectResponse(target, 303)
    if not hmac.compare_digest(given.encode("utf-8", "replace"), token.encode()):
        root = request.scope.get("root_path", "")
        return await run_in_threadpool(sign_in_page, root, target, True)
    signed_in = RedirectResponse(target, 303)
    signed_in.set_cookie(COOKIE, given, path=ui, httponly=True, samesite="strict")
    return signed_in


@router.post("/sign-out", include_in_schema=False)
def sign_out(request: Request) -> Response:
    ui = request.scope.get("root_path", "") + DASHBOARD
    signed_out = RedirectResponse(ui + "/", 303)
    signed_out.delete_cookie(COOKIE, path=ui, httponly=True, samesite="strict")
    return signed_out
