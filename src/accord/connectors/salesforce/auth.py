"""How the connector obtains an access token: the two OAuth 2.0 flows for servers.

- **Client credentials**: the connected app's consumer key and secret; Salesforce issues
  a token for the app's run-as user.
- **JWT bearer**: a JWT signed with the private key whose certificate is uploaded to the
  connected app (RS256, signed by PyJWT), naming the app (`iss`), the user (`sub`) and
  the login server (`aud`), valid for three minutes. No secret travels at all.

Both post a form to `/services/oauth2/token`; a `Grant` builds that form (a JWT grant
signs a fresh assertion each time) and says what to check when Salesforce refuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

JWT_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = 180
"""Seconds a JWT assertion is valid; Salesforce accepts at most three minutes."""


@dataclass(frozen=True)
class Grant:
    """The token request's form, built anew per request, and a hint for a refusal."""

    form: Callable[[], dict[str, str]]
    hint: str


def client_credentials(client_id: str, client_secret: str) -> Grant:
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
    }
    return Grant(
        lambda: dict(form),
        "check client_id, client_secret and that the connected app allows the client "
        "credentials flow with a run-as user",
    )


def jwt_bearer(
    client_id: str, username: str, private_key: str, audience: str, clock: Callable[[], float]
) -> Grant:
    def form() -> dict[str, str]:
        now = int(clock())
        claims = {
            "iss": client_id,
            "sub": username,
            "aud": audience,
            "exp": now + ASSERTION_LIFETIME,
        }
        assertion = jwt.encode(claims, private_key, algorithm="RS256")
        return {"grant_type": JWT_GRANT_TYPE, "assertion": assertion}

    return Grant(
        form,
        "check client_id, username, that the connected app holds the certificate of "
        "private_key_file and that the user is pre-authorized for the app",
    )


def grant_from_config(
    config: Mapping[str, Any], connector: str, clock: Callable[[], float]
) -> Grant:
    """JWT bearer when `private_key_file` is set, else client credentials; a missing
    setting is a ValueError naming it."""
    client_id = config.get("client_id")
    if config.get("private_key_file"):
        missing = [k for k in ("client_id", "username") if not config.get(k)]
        if missing:
            raise ValueError(f"{connector}: the JWT bearer flow needs {', '.join(missing)}")
        key = Path(str(config["private_key_file"])).read_text(encoding="utf-8")
        audience = str(config.get("login_url", "https://login.salesforce.com"))
        return jwt_bearer(str(client_id), str(config["username"]), key, audience, clock)
    missing = [k for k in ("client_id", "client_secret") if not config.get(k)]
    if missing:
        raise ValueError(
            f"{connector}: settings need {', '.join(missing)} (the connected app's consumer "
            "key and secret), or client_id, username and private_key_file for the JWT flow"
        )
    return client_credentials(str(client_id), str(config["client_secret"]))
