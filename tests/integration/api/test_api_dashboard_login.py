"""The dashboard signs in with the API's identities and shows nothing before that; the
browser holds a server-side session, never the credential."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import sqlalchemy as sa
from fastapi.testclient import TestClient

from accord.adapters.governance_tables import dashboard_sessions
from accord.adapters.sql import aware
from accord.application.security import Role
from accord.application.sessions import session_hash
from accord.http.security.auth import SESSION_COOKIE
from accord.web.forms import form_token
from tests.integration.api.conftest import AUDIENCE, ISSUER, ApiWorld

HERE = {"Origin": "http://testserver"}
"""A browser names the dashboard's origin on every form post."""


def test_the_dashboard_redirects_to_login_and_accepts_an_api_key(world: ApiWorld) -> None:
    client = world.client
    anonymous = client.get("/", follow_redirects=False)
    refused = client.post("/login", data={"token": "acc_000000000000_wrong"}, headers=HERE)
    signed_in = client.post(
        "/login", data={"token": world.tokens[Role.VIEWER]}, headers=HERE, follow_redirects=False
    )
    overview = client.get("/")
    forged_post = client.post("/api/v1/invoice-runs", json={"through": "2024-03-31"})

    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"
    assert refused.status_code == 401 and "not known" in refused.text
    assert signed_in.status_code == 303
    assert "httponly" in signed_in.headers["set-cookie"].lower()
    assert overview.status_code == 200 and "Hub status" in overview.text
    assert forged_post.status_code == 401


def _sign_in(client: TestClient, token: str) -> str:
    response = client.post("/login", data={"token": token}, headers=HERE, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(client.cookies[SESSION_COOKIE])


def _stored_sessions(world: ApiWorld) -> list[dict[str, Any]]:
    with world.hub.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(sa.select(dashboard_sessions))]


def test_the_cookie_holds_an_opaque_session_id_never_the_credential(world: ApiWorld) -> None:
    token = world.tokens[Role.VIEWER]
    response = world.client.post(
        "/login", data={"token": token}, headers=HERE, follow_redirects=False
    )
    cookie = response.headers["set-cookie"]
    session_id = world.client.cookies[SESSION_COOKIE]
    stored = _stored_sessions(world)

    secret = token.split("_", 2)[2]
    assert token not in cookie and secret not in cookie and secret not in session_id
    assert "samesite=strict" in cookie.lower() and "httponly" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http in this test; https below
    assert len(stored) == 1 and stored[0]["id_sha256"] == session_hash(session_id)
    assert all(session_id not in str(value) for value in stored[0].values())
    assert world.client.get("/api/v1/status").status_code == 200


def test_over_https_the_session_cookie_is_secure(world: ApiWorld) -> None:
    with TestClient(world.client.app, base_url="https://testserver") as client:
        response = client.post(
            "/login",
            data={"token": world.tokens[Role.VIEWER]},
            headers={"Origin": "https://testserver"},
            follow_redirects=False,
        )
    assert "secure" in response.headers["set-cookie"].lower()


def test_a_signed_out_session_is_refused_and_audited(world: ApiWorld) -> None:
    session_id = _sign_in(world.client, world.tokens[Role.VIEWER])
    signed_out = world.client.post(
        "/logout", data={"csrf": form_token(session_id)}, headers=HERE, follow_redirects=False
    )
    assert signed_out.status_code == 303
    world.client.cookies.set(SESSION_COOKIE, session_id)  # a copy kept by an attacker

    page = world.client.get("/", follow_redirects=False)
    api = world.client.get("/api/v1/status")

    assert page.status_code == 303 and page.headers["location"] == "/login"
    assert api.status_code == 401 and "signed out" in api.json()["detail"]
    actions = [row.action for row in world.governance.audit.records()]
    assert actions[-2:] == ["session.opened", "session.closed"]


def test_an_expired_session_is_refused(world: ApiWorld) -> None:
    session_id = _sign_in(world.client, world.tokens[Role.VIEWER])
    with world.hub.engine.begin() as connection:
        connection.execute(
            sa.update(dashboard_sessions)
            .where(dashboard_sessions.c.id_sha256 == session_hash(session_id))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    response = world.client.get("/api/v1/status")
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    assert world.client.get("/", follow_redirects=False).status_code == 303


def test_revoking_the_api_key_ends_its_sessions(world: ApiWorld) -> None:
    issued = world.governance.keys.create("temp", [Role.VIEWER], None)
    _sign_in(world.client, issued.token)
    assert world.client.get("/", follow_redirects=False).status_code == 200

    revoked = world.client.post(
        f"/api/v1/keys/{issued.record.key_id}/revocation", headers=world.as_role(Role.ADMIN)
    )

    assert revoked.status_code == 200
    response = world.client.get("/api/v1/status")
    assert response.status_code == 401 and "no longer active" in response.json()["detail"]
    assert world.client.get("/", follow_redirects=False).status_code == 303


def test_an_oidc_session_ends_when_its_token_would(world: ApiWorld) -> None:
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "ada", "roles": ["viewer"], "exp": expires}
    token = jwt.encode(claims, world.private_key, algorithm="RS256", headers={"kid": "test-key"})
    session_id = _sign_in(world.client, token)
    (stored,) = _stored_sessions(world)
    assert token not in session_id
    assert aware(stored["expires_at"]) == expires
