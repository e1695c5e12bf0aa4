"""A corrected redelivery of a quarantined event (same source and id) is stored and
applied, not answered `duplicate`; the quarantined delivery stays in the log for the
record and its exception is closed saying why. A redelivery of a valid event is still
a duplicate that changes nothing."""

from __future__ import annotations

import json
import time
from typing import Any

import sqlalchemy as sa

from accord.adapters.tables import inbound_events
from accord.application.security import Role
from accord.application.webhooks import sign
from accord.domain.exceptions import ExceptionKind
from tests.integration.api.conftest import WEBHOOK_SECRET, ApiWorld, customer_event


def _log(world: ApiWorld, event_id: str) -> list[dict[str, Any]]:
    c = inbound_events.c
    query = (
        sa.select(c.seq, c.status, c.reason, c.payload)
        .where(c.event_id == event_id)
        .order_by(c.seq)
    )
    with world.hub.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def _invalid_event_exceptions(world: ApiWorld, subject: str) -> list[Any]:
    return [
        record
        for record in world.hub.exceptions(kind=ExceptionKind.INVALID_EVENT)
        if record.subject == subject
    ]


def test_a_corrected_redelivery_through_the_api_is_stored_and_applied(world: ApiWorld) -> None:
    headers = world.as_role(Role.INTEGRATION)
    broken = customer_event("q-1", "C7")
    broken["data"]["country"] = 5
    corrected = customer_event("q-1", "C7")

    first = world.client.post("/api/v1/events", json=[broken], headers=headers)
    again = world.client.post("/api/v1/events", json=[corrected], headers=headers)
    world.hub.worker.run_once()
    repeated = world.client.post("/api/v1/events", json=[corrected], headers=headers)
    world.hub.worker.run_once()

    assert first.json()["quarantined"] == 1
    assert again.status_code == 202 and again.json()["accepted"] == 1, again.text
    assert again.json()["duplicates"] == 0
    assert repeated.json()["duplicates"] == 1 and repeated.json()["accepted"] == 0
    record = world.client.get("/api/v1/customers/C7", headers=headers)
    assert record.status_code == 200 and record.json()["data"]["country"] == "DE"
    kept, applied = _log(world, "q-1")
    assert kept["status"] == "superseded" and '"country": 5' in kept["payload"]
    assert "data.country" in kept["reason"]
    assert applied["status"] == "applied" and applied["seq"] > kept["seq"]
    [exception] = _invalid_event_exceptions(world, "q-1")
    assert str(exception.status) == "resolved"
    assert "corrected redelivery" in exception.history[-1]["note"]
    closed = [row for row in world.governance.audit.records() if row.action == "exception.closed"]
    assert closed and closed[-1].subject == "q-1"


def test_a_corrected_redelivery_through_a_webhook_is_logged_not_duplicate(
    world: ApiWorld,
) -> None:
    def post(document: dict[str, Any], at: int) -> Any:
        body = json.dumps({**document, "source": "/psa/customers"}).encode()
        return world.client.post(
            "/api/v1/webhooks/psa",
            content=body,
            headers={
                "Content-Type": "application/cloudevents+json",
                "Accord-Signature": sign(WEBHOOK_SECRET, body, at),
            },
        )

    broken = customer_event("wh-q", "C8")
    del broken["data"]["name"]
    now = int(time.time())

    rejected = post(broken, now)
    corrected = post(customer_event("wh-q", "C8"), now + 1)
    repeated = post(customer_event("wh-q", "C8"), now + 2)

    assert rejected.status_code == 422
    assert corrected.status_code == 202 and corrected.json()["status"] == "logged"
    assert repeated.status_code == 202 and repeated.json()["status"] == "duplicate"
    assert [row["status"] for row in _log(world, "wh-q")] == ["superseded", "pending"]
