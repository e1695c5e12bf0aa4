"""Retention: the purge erases old raw payloads and personal data, except under a legal
hold, and the audit chain still verifies afterwards."""

from __future__ import annotations

import json
from dataclasses import replace

import sqlalchemy as sa

from accord.adapters.tables import inbound_events
from accord.application.retention import RetentionPolicy
from accord.application.security import Role
from tests.integration.api.conftest import ApiWorld, customer_event


def _payloads(world: ApiWorld) -> dict[str, str]:
    with world.hub.engine.connect() as connection:
        rows = connection.execute(sa.select(inbound_events.c.source, inbound_events.c.payload))
        return {source: payload for source, payload in rows}


def test_purge_respects_legal_holds_and_keeps_the_audit_chain_verifiable(
    world: ApiWorld,
) -> None:
    admin, auditor = world.as_role(Role.ADMIN), world.as_role(Role.AUDITOR)
    held = {**customer_event("h1", "C7"), "source": "crm-eu"}
    world.client.post("/api/v1/events", json=[customer_event("p1"), held], headers=admin)
    world.hub.worker.run_once()
    hold = world.client.post(
        "/api/v1/legal-holds",
        json={"scope": "crm-eu", "reason": "litigation 2024-17"},
        headers=auditor,
    )
    assert hold.status_code == 201
    world.governance.retention.policy = replace(
        world.governance.retention.policy, raw_payload_days=0, personal_data_days=0
    )
    assert world.governance.retention.policy == RetentionPolicy(0, 0)

    purge = world.client.post("/api/v1/retention/purges", headers=admin)

    assert purge.status_code == 200, purge.text
    assert purge.json()["payloads_purged"] == 1 and purge.json()["held_scopes"] == ["crm-eu"]
    payloads = _payloads(world)
    marker = json.loads(payloads["crm"])
    assert set(marker) == {"accord_purged", "sha256"}
    assert json.loads(payloads["crm-eu"])["id"] == "h1"
    trail = world.client.get("/api/v1/audit", headers=auditor).json()["items"]
    assert any(row["purged"] and row["after"] is None for row in trail)
    assert world.client.get("/api/v1/audit/verification", headers=auditor).json()["ok"]
