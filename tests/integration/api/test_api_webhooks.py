"""Inbound webhooks: every bad delivery rejected with a clear problem, a good one logged
once even when delivered twice."""

from __future__ import annotations

import json
import time
from pathlib import Path

import sqlalchemy as sa

from accord.adapters.tables import inbound_events
from accord.application.webhooks import sign
from tests.integration.api.conftest import WEBHOOK_SECRET, ApiWorld, customer_event, make_world

URL = "/api/v1/webhooks/psa"
CE_JSON = "application/cloudevents+json"


def _post(world: ApiWorld, body: bytes, signature: str | None, content_type: str = CE_JSON):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": content_type}
    if signature is not None:
        headers["Accord-Signature"] = signature
    return world.client.post(URL, content=body, headers=headers)


def _logged(world: ApiWorld) -> int:
    with world.hub.engine.connect() as connection:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(inbound_events)).scalar_one()
        )


def _problem(response, status: int, slug: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/" + slug)
    assert response.json()["detail"]


BODY = json.dumps({**customer_event("wh-1"), "source": "/psa/customers"}).encode()


def test_a_valid_event_is_logged_once_even_when_delivered_twice(world: ApiWorld) -> None:
    first = _post(world, BODY, sign(WEBHOOK_SECRET, BODY, int(time.time())))
    again = _post(world, BODY, sign(WEBHOOK_SECRET, BODY, int(time.time()) + 1))
    assert first.status_code == 202 and first.json()["status"] == "logged"
    assert again.status_code == 202 and again.json()["status"] == "duplicate"
    assert _logged(world) == 1


def test_a_bad_signature_is_rejected(world: ApiWorld) -> None:
    forged = sign("not-the-secret", BODY, int(time.time()))
    _problem(_post(world, BODY, forged), 401, "bad-signature")
    tampered = BODY.replace(b"Customer C1", b"Customer C2")
    _problem(
        _post(world, tampered, sign(WEBHOOK_SECRET, BODY, int(time.time()))), 401, "bad-signature"
    )
    _problem(_post(world, BODY, None), 401, "missing-signature")
    _problem(_post(world, BODY, "sha256=abc"), 401, "malformed-signature")
    assert _logged(world) == 0


def test_a_stale_timestamp_is_rejected(world: ApiWorld) -> None:
    stale = sign(WEBHOOK_SECRET, BODY, int(time.time()) - 3600)
    response = _post(world, BODY, stale)
    _problem(response, 401, "stale-timestamp")
    assert "window is 300 s" in response.json()["detail"]
    assert _logged(world) == 0


def test_a_replayed_request_is_rejected(world: ApiWorld) -> None:
    signature = sign(WEBHOOK_SECRET, BODY, int(time.time()))
    assert _post(world, BODY, signature).status_code == 202
    _problem(_post(world, BODY, signature), 409, "replayed")
    assert _logged(world) == 1


def test_an_oversized_body_is_rejected_before_it_is_read_in_full(world: ApiWorld) -> None:
    big = json.dumps({**customer_event("wh-big"), "pad": "x" * 70_000}).encode()
    response = _post(world, big, sign(WEBHOOK_SECRET, big, int(time.time())))
    _problem(response, 413, "payload-too-large")
    assert "65536 bytes" in response.json()["detail"]
    assert _logged(world) == 0


def test_a_wrong_content_type_is_rejected(world: ApiWorld) -> None:
    response = _post(world, BODY, sign(WEBHOOK_SECRET, BODY, int(time.time())), "text/plain")
    _problem(response, 415, "unsupported-media-type")
    assert _logged(world) == 0


def test_an_unknown_source_is_rejected(world: ApiWorld) -> None:
    response = world.client.post(
        "/api/v1/webhooks/crm",
        content=BODY,
        headers={
            "Content-Type": CE_JSON,
            "Accord-Signature": sign(WEBHOOK_SECRET, BODY, int(time.time())),
        },
    )
    _problem(response, 404, "unknown-source")


def test_an_invalid_event_is_quarantined_and_reported(world: ApiWorld) -> None:
    body = b'{"specversion":"1.0","id":"wh-bad","source":"psa","type":"accord.nothing.v1"}'
    response = _post(world, body, sign(WEBHOOK_SECRET, body, int(time.time())))
    _problem(response, 422, "invalid-event")
    assert "quarantined" in response.json()["detail"]
    assert _logged(world) == 1


def test_an_event_from_another_system_is_rejected_even_when_signed(world: ApiWorld) -> None:
    """A body whose CloudEvent source is the CRM, signed with the PSA's secret and posted
    to the PSA's webhook (a leaked or shared secret), is refused and not logged."""
    for claimed in ("crm", "/crm/customers", "/psa-eu/customers", "https://psa.example/x"):
        body = json.dumps({**customer_event(f"wh-{claimed}"), "source": claimed}).encode()
        response = _post(world, body, sign(WEBHOOK_SECRET, body, int(time.time())))
        _problem(response, 403, "source-mismatch")
        assert f"'{claimed}'" in response.json()["detail"] and "'psa'" in response.json()["detail"]
    assert _logged(world) == 0


def test_a_body_signed_for_one_source_is_refused_at_another(tmp_path: Path) -> None:
    """Two sources sharing a secret (a misconfiguration): a PSA event posted to the CRM's
    webhook verifies, but its CloudEvent source gives it away."""
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'accord.sqlite'}")
    world.governance.settings.webhook_secrets["crm"] = WEBHOOK_SECRET
    try:
        response = world.client.post(
            "/api/v1/webhooks/crm",
            content=BODY,
            headers={
                "Content-Type": CE_JSON,
                "Accord-Signature": sign(WEBHOOK_SECRET, BODY, int(time.time())),
            },
        )
        _problem(response, 403, "source-mismatch")
        assert _logged(world) == 0
        assert _post(world, BODY, sign(WEBHOOK_SECRET, BODY, int(time.time()))).status_code == 202
    finally:
        world.client.close()
        world.hub.close()
