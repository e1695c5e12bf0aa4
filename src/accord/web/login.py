"""Dashboard sign-in with the API's identities: an API key or an OIDC access token.

The credential is checked exactly as the API checks it, then kept in an HttpOnly,
SameSite=Strict cookie; the API accepts that cookie for reads only.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accord.api.security.auth import SESSION_COOKIE, authenticate_token
from accord.application.security import AuthenticationFailed, Principal
from accord.web.pages import templates

router = APIRouter(include_in_schema=False)
SESSION_SECONDS = 8 * 3600


class LoginRequired(Exception):
    """Raised by `dashboard_principal` when the visitor has not signed in."""


async def dashboard_principal(request: Request) -> Principal:
    """A dependency for dashboard pages: the signed-in principal, or a redirect to /login."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    try:
        principal = await run_in_threadpool(authenticate_token, request, token)
    except AuthenticationFailed:
        raise LoginRequired from None
    request.state.principal = principal
    return principal


def redirect_to_login(request: Request, _error: Exception) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", errors="replace"))
    token = (form.get("token") or [""])[0].strip()
    try:
        await run_in_threadpool(authenticate_token, request, token)
    except AuthenticationFailed as error:
        return templates.TemplateResponse(
            request, "login.html", {"error": str(error)}, status_code=401
        )
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
