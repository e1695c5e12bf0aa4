"""OAuth 2.0 machine-to-machine for NetSuite: client credentials with a JWT assertion.

The integration record's client id signs a short-lived JWT (PS256 by default, signed by
PyJWT) with the private key whose certificate is uploaded under *OAuth 2.0 Client
Credentials (M2M) Setup*; the `kid` header names that certificate's id. The assertion is
posted as `client_assertion` to `/services/rest/auth/oauth2/v1/token` and NetSuite
answers with a one-hour access token sent as `Authorization: Bearer`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300
"""Seconds an assertion is valid; NetSuite accepts at most one hour."""
SCOPES = "rest_webservices"


@dataclass(frozen=True)
class M2MGrant:
    """The token request of one integration: who signs, with which key and certificate."""

    client_id: str
    certificate_id: str
    private_key: str
    token_url: str
    algorithm: str = "PS256"

    def form(self, now: float) -> dict[str, str]:
        """The token request's form with a freshly signed assertion."""
        claims = {
            "iss": self.client_id,
            "scope": SCOPES,
            "aud": self.token_url,
            "iat": int(now),
            "exp": int(now) + ASSERTION_LIFETIME,
        }
        assertion = jwt.encode(
            claims,
            self.private_key,
            algorithm=self.algorithm,
            headers={"kid": self.certificate_id},
        )
        return {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        }


def grant_from_config(config: Mapping[str, Any], connector: str, base_url: str) -> M2MGrant:
    """The M2M grant from `client_id`, `certificate_id` and `private_key_file`; a missing
    setting is a ValueError naming it."""
    missing = [k for k in ("client_id", "certificate_id", "private_key_file") if not config.get(k)]
    if missing:
        raise ValueError(
            f"{connector}: settings need {', '.join(missing)}: the integration record's "
            "client id, the certificate id of the M2M mapping and the PEM file of its "
            "private key"
        )
    key = Path(str(config["private_key_file"])).read_text(encoding="utf-8")
    return M2MGrant(
        client_id=str(config["client_id"]),
        certificate_id=str(config["certificate_id"]),
        private_key=key,
        token_url=f"{base_url.rstrip('/')}{TOKEN_PATH}",
        algorithm=str(config.get("jwt_algorithm", "PS256")),
    )
