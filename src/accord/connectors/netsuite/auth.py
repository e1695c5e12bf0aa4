"""How the connector signs in to NetSuite: OAuth 2.0 machine-to-machine, or token-based
authentication (OAuth 1.0a).

**OAuth 2.0 M2M** is client credentials with a JWT assertion.
The integration record's client id signs a short-lived JWT (PS256 by default, signed by
PyJWT) with the private key whose certificate is uploaded under *OAuth 2.0 Client
Credentials (M2M) Setup*; the `kid` header names that certificate's id. The assertion is
posted as `client_assertion` to `/services/rest/auth/oauth2/v1/token` and NetSuite
answers with a one-hour access token sent as `Authorization: Bearer`.

**Token-based authentication** signs every request (HMAC-SHA256, signed by oauthlib)
with the integration's consumer key and secret and the access token's id and secret;
the realm is the account id. Nothing is fetched first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_AUTH_HEADER, Client

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


@dataclass(frozen=True)
class TokenAuth:
    """Token-based authentication: each request signed with OAuth 1.0a HMAC-SHA256."""

    realm: str
    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str

    def authorization(self, method: str, url: str) -> str:
        """The `Authorization` header for one request to `url` (with its query)."""
        client = Client(
            self.consumer_key,
            client_secret=self.consumer_secret,
            resource_owner_key=self.token_id,
            resource_owner_secret=self.token_secret,
            signature_method=SIGNATURE_HMAC_SHA256,
            signature_type=SIGNATURE_TYPE_AUTH_HEADER,
            realm=self.realm,
        )
        _, headers, _ = client.sign(url, method)
        return str(headers["Authorization"])


TBA_SETTINGS = ("account_id", "consumer_key", "consumer_secret", "token_id", "token_secret")


def tba_from_config(config: Mapping[str, Any], connector: str) -> TokenAuth:
    """Token-based authentication from its five settings; a missing one is a ValueError."""
    missing = [k for k in TBA_SETTINGS if not config.get(k)]
    if missing:
        raise ValueError(
            f"{connector}: token-based authentication needs {', '.join(missing)}: the account "
            "id, the integration record's consumer key and secret, and the access token's "
            "id and secret"
        )
    return TokenAuth(*(str(config[k]) for k in TBA_SETTINGS))


AUTH_METHODS = ("m2m", "tba")


def grant_from_config(
    config: Mapping[str, Any], connector: str, base_url: str
) -> M2MGrant | TokenAuth:
    """The grant `auth` names (`m2m` or `tba`); without it, token-based authentication
    when `token_id` is set, else the M2M grant from `client_id`, `certificate_id` and
    `private_key_file`. A missing setting is a ValueError naming it."""
    method = config.get("auth") or ("tba" if config.get("token_id") else "m2m")
    if method not in AUTH_METHODS:
        raise ValueError(
            f"{connector}: auth must be m2m (OAuth 2.0 machine-to-machine) or tba "
            f"(token-based authentication), not {method!r}"
        )
    if method == "tba":
        return tba_from_config(config, connector)
    missing = [k for k in ("client_id", "certificate_id", "private_key_file") if not config.get(k)]
    if missing:
        raise ValueError(
            f"{connector}: settings need {', '.join(missing)}: the integration record's "
            "client id, the certificate id of the M2M mapping and the PEM file of its "
            "private key (or account_id, consumer_key, consumer_secret, token_id and "
            "token_secret for token-based authentication)"
        )
    try:
        key = Path(str(config["private_key_file"])).read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(
            f"{connector}: private_key_file cannot be read ({error.strerror}): give the PEM "
            "file of the key whose certificate is mapped to the integration"
        ) from None
    return M2MGrant(
        client_id=str(config["client_id"]),
        certificate_id=str(config["certificate_id"]),
        private_key=key,
        token_url=f"{base_url.rstrip('/')}{TOKEN_PATH}",
        algorithm=str(config.get("jwt_algorithm", "PS256")),
    )
