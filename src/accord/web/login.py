"""Dashboard sign-in with the API's identities: an API key or an OIDC access token.

The credential is checked exactly as the API checks it and then forgotten: the browser
gets a server-side session instead, a random opaque id in an HttpOnly, SameSite=Strict
cookie (Secure over https). The store keeps only the id's SHA-256 and its expiry;
signing out revokes it, and so does revoking the API key it was opened with. The API
accepts the session for reads only. Opening and closing sessions is audited. Signing
in and out are refused from another origin, and signing out needs the session's form
token (`accord.web.forms`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accord.application.governance import Governance
from accord.application.security import AuthenticationFailed, Principal
from accord.application.sessions import OpenedSession
from accord.http.correlation import correlation_of
from accord.http.security.auth import SESSION_COOKIE, authenticate_token, governance_of
from accord.web.forms import check_form_token, read_form
from accord.web.pages import templates

router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    """Raised by `dashboard_principal` when the visitor has not signed in."""


async def dashboard_principal(request: Request) -> Principal:
    """A dependency for dashboard pages: the signed-in principal, or a redirect to /login."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        raise LoginRequired
    try:
        principal = await run_in_threadpool(governance_of(request).sessions.principal, session_id)
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


def _open_session(governance: Governance, principal: Principal, correlation: str) -> OpenedSession:
    with governance.audit.transaction():
        opened = governance.sessions.open(principal)
        governance.audit.record(
            principal.actor,
            "session.opened",
            f"session:{opened.record.id_sha256[:16]}",
            after={"expires_at": opened.record.expires_at.isoformat()},
            correlation_id=correlation,
        )
    return opened


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    token = (await read_form(request)).get("token", "").strip()
    try:
        principal = await run_in_threadpool(authenticate_token, request, token)
    except AuthenticationFailed as error:
        return templates.TemplateResponse(
            request, "login.html", {"error": str(error)}, status_code=401
        )
    governance = governance_of(request)
    opened = await run_in_threadpool(_open_session, governance, principal, correlation_of(request))
    lifetime = opened.record.expires_at - opened.record.created_at
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        opened.session_id,
        max_age=max(0, int(lifetime.total_seconds())),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def _close_session(governance: Governance, session_id: str, correlation: str) -> None:
    with governance.audit.transaction():
        closed = governance.sessions.close(session_id)
        if closed is not None:
            governance.audit.record(
                closed.principal.actor,
                "session.closed",
                f"session:{closed.id_sha256[:16]}",
                before={"expires_at": closed.expires_at.isoformat()},
                correlation_id=correlation,
            )


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Revoke the session on the server, then drop the cookie."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        check_form_token(request, await read_form(request))
        await run_in_threadpool(
            _close_session, governance_of(request), session_id, correlation_of(request)
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
