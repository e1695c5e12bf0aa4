"""The request's principal: an API key or an OIDC token in `Authorization: Bearer ...`,
or the dashboard's session (an opaque id in a cookie, for reads only); and the
permission check routes depend on."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from accord.application.governance import Governance
from accord.application.security import (
    KEY_PREFIX,
    AuthenticationFailed,
    Permission,
    Principal,
)
from accord.http.problems import ProblemError

bearer = HTTPBearer(
    auto_error=False,
    description="An API key (`acc_<id>_<secret>`) or an OIDC access token (JWT).",
)
SESSION_COOKIE = "accord_session"


def governance_of(request: Request) -> Governance:
    governance: Governance = request.app.state.governance
    return governance


def _unauthenticated(detail: str) -> ProblemError:
    return ProblemError(
        401,
        "unauthenticated",
        "Authentication required",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="accord"'},
    )


def authenticate_token(request: Request, token: str) -> Principal:
    """Check an API key or an OIDC token (sync: may read the store or fetch a JWKS)."""
    if token.startswith(f"{KEY_PREFIX}_"):
        return governance_of(request).keys.authenticate(token)
    verifier = request.app.state.oidc
    if verifier is None:
        raise AuthenticationFailed(
            "bearer tokens need an OIDC issuer (ACCORD_OIDC_ISSUER); use an API key instead"
        )
    principal: Principal = verifier.authenticate(token)
    return principal


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    session = request.cookies.get(SESSION_COOKIE)
    check: Callable[[], Principal]
    if credentials is not None and credentials.credentials:
        check = partial(authenticate_token, request, credentials.credentials)
    elif session and request.method in ("GET", "HEAD"):
        # The dashboard's session reads only: a forged cross-site POST gets no credentials.
        check = partial(governance_of(request).sessions.principal, session)
    else:
        raise _unauthenticated(
            "send `Authorization: Bearer <API key or OIDC token>`; create a key with "
            "`accord keys create`"
        )
    try:
        principal = await run_in_threadpool(check)
    except AuthenticationFailed as error:
        raise _unauthenticated(str(error)) from None
    request.state.principal = principal
    return principal


def require(permission: Permission) -> Callable[..., object]:
    """A dependency that admits principals holding `permission`, and answers 403 otherwise."""

    async def check(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Principal:
        if not principal.can(permission):
            roles = ", ".join(sorted(principal.roles)) or "none"
            raise ProblemError(
                403,
                "forbidden",
                "Permission denied",
                f"this needs the '{permission}' permission; your roles ({roles}) do not "
                "grant it (see docs/security.md)",
            )
        return principal

    return check
