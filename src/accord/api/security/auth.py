"""The request's principal: an API key or an OIDC token in `Authorization: Bearer ...`,
or the dashboard's session cookie; and the permission check routes depend on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from accord.api.problems import ProblemError
from accord.application.governance import Governance
from accord.application.security import (
    KEY_PREFIX,
    AuthenticationFailed,
    Permission,
    Principal,
)

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
    token = credentials.credentials if credentials else None
    if token is None and request.method in ("GET", "HEAD"):
        # The dashboard's cookie reads only: a forged cross-site POST gets no credentials.
        token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise _unauthenticated(
            "send `Authorization: Bearer <API key or OIDC token>`; create a key with "
            "`accord keys create`"
        )
    try:
        principal = await run_in_threadpool(authenticate_token, request, token)
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
