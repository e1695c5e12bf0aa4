"""Governance runs on the wall clock, whatever business clock the hub runs on.

Under `make run` the hub's clock is the sandbox's, a day a second. API keys and
dashboard sessions still expire, audit rows are still stamped and retention still
counts in real time: a 90-day key created with `accord keys create` keeps working after
the hub's clock has run years ahead, and a purge erases nothing younger than its period.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from accord.adapters.governance import build_sql_governance
from accord.adapters.governance_tables import api_keys
from accord.adapters.tables import inbound_events
from accord.application.governance import GovernanceSettings
from accord.application.housekeeping import Housekeeping
from accord.application.security import AuthenticationFailed, Role
from accord.bootstrap import Hub, build_hub
from accord.http_app import create_app
from accord.settings import Settings
from tests.integration.api.conftest import customer_event

ORIGIN = {"Origin": "http://testserver"}


class FakeAcceleratedClock:
    """A business clock like the sandbox's under `make run`: it runs far ahead of real time."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def run_ahead(self, days: int) -> None:
        self.ahead += timedelta(days=days)


@dataclass
class FastHub:
    hub: Hub
    clock: FakeAcceleratedClock
    client: TestClient


@pytest.fixture
def fast(tmp_path: Path) -> Iterator[FastHub]:
    clock = FakeAcceleratedClock()
    hub = build_hub(
        Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'accord.sqlite'}"),
        clock=clock.now,
    )
    client = TestClient(create_app(hub), raise_server_exceptions=False)
    yield FastHub(hub, clock, client)
    client.close()
    hub.close()


def _cli_key(hub: Hub, role: Role = Role.ADMIN) -> str:
    """A 90-day key as `accord keys create` makes it: its own governance on the store."""
    cli = build_sql_governance(hub.engine, GovernanceSettings())
    return cli.keys.create("operator", [role], timedelta(days=90)).token


def test_a_90_day_key_still_works_after_the_hub_clock_ran_a_year_ahead(fast: FastHub) -> None:
    token = _cli_key(fast.hub)
    fast.clock.run_ahead(days=400)

    listed = fast.client.get("/api/v1/keys", headers={"Authorization": f"Bearer {token}"})

    assert listed.status_code == 200, listed.text
    assert [key["state"] for key in listed.json()] == ["active"]
    assert fast.hub.governance.keys.authenticate(token).roles == {Role.ADMIN}


def test_keys_list_reports_the_state_authentication_uses(fast: FastHub) -> None:
    active, expired = _cli_key(fast.hub), _cli_key(fast.hub, Role.VIEWER)
    expired_id = expired.split("_")[1]
    with fast.hub.engine.begin() as connection:
        connection.execute(
            sa.update(api_keys)
            .where(api_keys.c.key_id == expired_id)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    fast.clock.run_ahead(days=400)
    keys = fast.hub.governance.keys

    states = {record.key_id: keys.state(record) for record in keys.list()}

    assert states == {active.split("_")[1]: "active", expired_id: "expired"}
    keys.authenticate(active)
    with pytest.raises(AuthenticationFailed, match="expired"):
        keys.authenticate(expired)
    listed = fast.client.get("/api/v1/keys", headers={"Authorization": f"Bearer {active}"})
    assert {key["key_id"]: key["state"] for key in listed.json()} == states


def test_a_dashboard_session_outlives_a_hub_clock_running_ahead(fast: FastHub) -> None:
    token = _cli_key(fast.hub, Role.VIEWER)
    signed_in = fast.client.post(
        "/login", data={"token": token}, headers=ORIGIN, follow_redirects=False
    )
    assert signed_in.status_code == 303, signed_in.text
    fast.clock.run_ahead(days=400)

    overview = fast.client.get("/", follow_redirects=False)

    assert overview.status_code == 200, overview.headers.get("location")


def test_audit_rows_carry_wall_clock_time(fast: FastHub) -> None:
    fast.clock.run_ahead(days=5 * 365)
    before = datetime.now(UTC)

    fast.hub.governance.audit.record("cli:operator", "test.noted", "test", correlation_id="c")
    fast.hub.ingest.ingest_batch([b"not an event"])  # opens an exception, audited

    after = datetime.now(UTC)
    rows = fast.hub.governance.audit.records()
    assert [row.action for row in rows] == ["test.noted", "exception.opened"]
    assert all(before <= row.at <= after for row in rows), [row.at for row in rows]


def test_retention_erases_nothing_younger_than_its_period_in_real_time(fast: FastHub) -> None:
    fast.hub.ingest.ingest_batch([json.dumps(customer_event(id_)) for id_ in ("p1", "p2")])
    fast.hub.worker.run_once()
    fast.hub.governance.audit.record(
        "oidc:hr-admin", "resource.updated", "resource:R1", after={"n": 1}, correlation_id="c"
    )
    fast.clock.run_ahead(days=5 * 365)

    report = fast.hub.governance.retention.purge("cli:operator", "c-purge")
    scheduled = Housekeeping(fast.hub.governance).purge_retained()

    assert (report.payloads_purged, report.audit_rows_purged) == (0, 0)
    assert (scheduled.payloads_purged, scheduled.audit_rows_purged) == (0, 0)
    with fast.hub.engine.connect() as connection:
        payloads = connection.execute(sa.select(inbound_events.c.payload)).scalars().all()
    assert len(payloads) == 2 and not any("accord_purged" in p for p in payloads)
    assert all(row.purged_at is None for row in fast.hub.governance.audit.records())
