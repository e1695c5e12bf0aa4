"""OIDC bearer tokens, API key lifecycle, idempotency keys, and secrets kept out of logs."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from accord.application.security import Role
from accord.application.webhooks import sign
from tests.integration.api.conftest import (
    AUDIENCE,
    ISSUER,
    WEBHOOK_SECRET,
    ApiWorld,
    customer_event,
)


def _token(world: ApiWorld, **overrides: Any) -> str:
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "alice@example.test",
        "roles": ["finance"],
        "exp": datetime.now(UTC) + timedelta(minutes=5),
        **overrides,
    }
    return jwt.encode(claims, world.private_key, algorithm="RS256", headers={"kid": "test-key"})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_oidc_token_from_the_configured_issuer_acts_with_its_roles(world: ApiWorld) -> None:
    token = _token(world)
    started = world.client.post(
        "/api/v1/invoice-runs", json={"through": "2024-03-31"}, headers=_bearer(token)
    )
    denied = world.client.get("/api/v1/audit", headers=_bearer(token))
    assert started.status_code == 202
    assert denied.status_code == 403
    assert world.governance.audit.records()[-1].actor == "oidc:alice@example.test"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "https://evil.example"}, "issuer"),
        ({"aud": "someone-else"}, "audience"),
        ({"exp": datetime.now(UTC) - timedelta(minutes=1)}, "expired"),
    ],
)
def test_tokens_with_wrong_issuer_audience_or_expiry_are_refused(
    world: ApiWorld, overrides: dict[str, Any], reason: str
) -> None:
    response = world.client.get("/api/v1/status", headers=_bearer(_token(world, **overrides)))
    assert response.status_code == 401
    assert reason in response.json()["detail"].lower()


def test_a_token_signed_by_another_key_is_refused(world: ApiWorld) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "mallory",
            "roles": ["admin"],
            "exp": datetime.now(UTC) + timedelta(minutes=5),
        },
        other,
        algorithm="RS256",
        headers={"kid": "test-key"},
    )
    assert world.client.get("/api/v1/status", headers=_bearer(forged)).status_code == 401


def test_a_revoked_or_expired_key_stops_working(world: ApiWorld) -> None:
    admin = world.as_role(Role.ADMIN)
    created = world.client.post(
        "/api/v1/keys", json={"name": "psa-connector", "roles": ["integration"]}, headers=admin
    ).json()
    assert world.client.get("/api/v1/status", headers=_bearer(created["token"])).status_code == 200
    world.client.post(f"/api/v1/keys/{created['key_id']}/revocation", headers=admin)
    refused = world.client.get("/api/v1/status", headers=_bearer(created["token"]))
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    listed = world.client.get("/api/v1/keys", headers=admin).text
    secret = created["token"].split("_", 2)[2]  # a url-safe secret may itself hold "_"
    assert created["token"] not in listed and secret not in listed
    short = world.governance.keys.create("temp", [Role.VIEWER], timedelta(seconds=-1))
    expired = world.client.get("/api/v1/status", headers=_bearer(short.token))
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]


def test_the_same_idempotency_key_gets_the_same_response_once(world: ApiWorld) -> None:
    headers = {**world.as_role(Role.BILLING), "Idempotency-Key": "run-2024-03"}
    first = world.client.post(
        "/api/v1/invoice-runs", json={"through": "2024-03-31"}, headers=headers
    )
    second = world.client.post(
        "/api/v1/invoice-runs", json={"through": "2024-03-31"}, headers=headers
    )
    other = world.client.post(
        "/api/v1/invoice-runs", json={"through": "2024-04-30"}, headers=headers
    )
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert len(world.ports.invoice_runs.runs()) == 1  # type: ignore[union-attr]
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")


def test_no_secret_or_token_appears_in_logs(
    world: ApiWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin_key = world.tokens[Role.ADMIN]
    oidc = _token(world)
    body = b'{"specversion":"1.0","id":"x","source":"psa","type":"accord.customer.v1","data":{}}'
    signature = sign(WEBHOOK_SECRET, body, int(time.time()))
    world.client.get("/api/v1/status", headers=_bearer(admin_key))
    world.client.get("/api/v1/status", headers=_bearer(admin_key + "tampered"))
    world.client.get("/api/v1/status", headers=_bearer(oidc))
    world.client.get("/api/v1/status", headers=_bearer(oidc[:-4] + "AAAA"))
    world.client.post("/api/v1/events", json=[customer_event("l1")], headers=_bearer(admin_key))
    world.client.post(
        "/api/v1/webhooks/psa",
        content=body,
        headers={"Content-Type": "application/json", "Accord-Signature": signature},
    )
    logging.getLogger("accord.api").warning("client sent Authorization: Bearer %s", admin_key)
    captured = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert "GET /api/v1/status" in captured  # the access log did run
    secret_part = admin_key.split("_", 2)[2]
    for secret in (
        admin_key,
        secret_part,
        oidc,
        oidc.split(".")[2],
        WEBHOOK_SECRET,
        signature.split("v1=")[1],
    ):
        assert secret not in captured
