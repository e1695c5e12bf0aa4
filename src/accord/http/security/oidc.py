"""OIDC bearer tokens: JWTs signed by a configured issuer, checked against its JWKS.

The JWKS comes from a file (air-gapped deployments, tests) or an https URL (fetched and
cached by PyJWT). Issuer, audience, expiry and signature are all required to verify; the
roles come from a configurable claim and unknown role names are ignored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt

from accord.application.governance import OidcSettings
from accord.application.security import AuthenticationFailed, Principal, parse_roles

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


class OidcVerifier:
    def __init__(self, settings: OidcSettings) -> None:
        if not settings.jwks:
            raise ValueError("ACCORD_OIDC_JWKS must name the issuer's JWKS file or URL")
        self._settings = settings
        self._client: jwt.PyJWKClient | None = None
        self._keys: jwt.PyJWKSet | None = None
        if settings.jwks.startswith(("https://", "http://")):
            self._client = jwt.PyJWKClient(settings.jwks, cache_keys=True, lifespan=300)
        else:
            self._keys = jwt.PyJWKSet.from_json(Path(settings.jwks).read_text())

    def _signing_key(self, token: str) -> Any:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token).key
        assert self._keys is not None
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self._keys.keys:
            if kid is None or key.key_id == kid:
                return key.key
        raise AuthenticationFailed("the token's signing key (kid) is not in the issuer's JWKS")

    def authenticate(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=ALGORITHMS,
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, json.JSONDecodeError, ValueError) as error:
            raise AuthenticationFailed(f"the bearer token is not valid: {error}") from None
        roles = claims.get(self._settings.roles_claim, [])
        if isinstance(roles, str):
            roles = roles.split()
        return Principal(
            subject=str(claims["sub"]),
            roles=parse_roles(role for role in roles if isinstance(role, str)),
            method="oidc",
            expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
        )
