"""Replay with edit and re-drive through the API: a quarantined event is corrected after
a dry run, a correction that changes money waits for a second person, and is applied
once; quarantined events are re-driven in bulk after a master-data fix."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.adapters.tables import inbound_events
from accord.application.billing import BillingBook
from accord.application.clock import utc_now
from accord.application.corrections import CorrectionService
from accord.application.exception_service import QueuedOnly
from accord.application.operations import ActionNotAvailable
from accord.application.ports import ExceptionRecord
from accord.application.security import Role
from accord.application.unit_of_work import UnitOfWork
from accord.domain.exceptions import ExceptionKind, ExceptionStatus
from tests.integration.api.conftest import ApiWorld, customer_event, make_world
from tests.integration.eventlog.eventlog_factory import cloud_event, master_data
from tests.unit.billing.builders import make_state

ORIGIN = {"Origin": "http://testserver"}


def _entry(event_id: str, contract: str, resource: str = "R1") -> dict[str, Any]:
    data = {
        "id": f"TE-{event_id}",
        "contract": contract,
        "term": "TM",
        "resource": resource,
        "date": "2026-03-02",
        "hours": "7.5",
    }
    document: dict[str, Any] = json.loads(cloud_event(event_id, "accord.time_entry.v1", data))
    return document


def _quarantine(world: ApiWorld, events: list[dict[str, Any]]) -> dict[str, int]:
    """Deliver `events` after the master data; the ids of the exceptions they raise."""
    world.hub.ingest.ingest_batch([*master_data(), *map(json.dumps, events)])
    world.hub.worker.run_once()
    raised = world.hub.exceptions(kind=ExceptionKind.UNKNOWN_REFERENCE)
    return {record.subject: record.id for record in raised}


def _statuses(world: ApiWorld, event_id: str) -> list[str]:
    c = inbound_events.c
    query = sa.select(c.status).where(c.event_id == event_id).order_by(c.seq)
    with world.hub.engine.connect() as connection:
        return list(connection.execute(query).scalars())


def _post(world: ApiWorld, role: Role, path: str, body: dict[str, Any]) -> Any:
    return world.client.post(path, json=body, headers={**world.as_role(role), **ORIGIN})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ApiWorld]:
    """The API world on SQLite, and on PostgreSQL (where approvals lock rows)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'accord.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    built = make_world(tmp_path, url)
    yield built
    built.client.close()
    built.hub.close()


def test_a_money_correction_is_previewed_approved_by_a_second_person_and_applied_once(
    any_store_world: ApiWorld,
) -> None:
    world = any_store_world
    SqlAlchemyBillingStateStore(world.hub.engine).save(BillingBook(make_state()), 0)
    exception_id = _quarantine(world, [_entry("te-9", contract="K9")])["te-9"]
    base = f"/api/v1/exceptions/{exception_id}/corrections"
    corrected = {"payload": _entry("te-9", contract="K1"), "note": "contract K9 is K1"}

    preview = _post(world, Role.ADMIN, f"{base}/preview", corrected)
    submitted = _post(world, Role.ADMIN, base, corrected)
    not_yet = world.client.get("/api/v1/time-entries/TE-te-9", headers=world.as_role(Role.ADMIN))
    awaiting = world.client.get(
        "/api/v1/exceptions?awaiting_approval=true", headers=world.as_role(Role.FINANCE)
    )
    own = _post(world, Role.ADMIN, f"{base}/approval", {"note": "mine"})
    no_permission = _post(world, Role.INTEGRATION, f"{base}/approval", {"note": "ok"})
    approved = _post(world, Role.FINANCE, f"{base}/approval", {"note": "checked K1"})
    again = _post(world, Role.FINANCE, f"{base}/approval", {"note": "twice"})
    world.hub.worker.run_once()

    assert preview.status_code == 200, preview.text
    assert preview.json()["outcome"] == "apply" and preview.json()["needs_approval"] is True
    changes = {change["field"]: change for change in preview.json()["changes"]}
    assert changes["contract"]["after"] == "K1" and changes["hours"]["after"] == "7.5"
    [billed] = preview.json()["billing"]["added"]  # K1 bills consultants at 150.00
    assert (billed["quantity"], billed["unit_price"], billed["net"]) == (
        "7.50",
        "150.00",
        "1125.00",
    )
    assert billed["document"] == "invoice" and preview.json()["billing"]["removed"] == []
    assert submitted.json()["status"] == "awaiting_approval", submitted.text
    assert not_yet.status_code == 404
    assert [item["id"] for item in awaiting.json()["items"]] == [exception_id]
    assert own.status_code == 403 and "cannot approve it too" in own.json()["detail"]
    assert no_permission.status_code == 403
    assert approved.status_code == 200 and approved.json()["status"] == "applied", approved.text
    assert again.status_code == 409
    entry = world.client.get("/api/v1/time-entries/TE-te-9", headers=world.as_role(Role.ADMIN))
    assert entry.status_code == 200 and entry.json()["data"]["contract"] == "K1"
    assert _statuses(world, "te-9") == ["superseded", "applied"]
    [record] = world.hub.exceptions(kind=ExceptionKind.UNKNOWN_REFERENCE)
    assert str(record.status) == "resolved" and "approved by" in record.history[-1]["note"]
    audit = {row.action: row for row in world.governance.audit.records()}
    submitter = audit["exception.correction_submitted"].actor
    assert audit["exception.correction_approved"].actor not in (submitter, None)


def test_a_correction_that_does_not_change_money_applies_at_once(world: ApiWorld) -> None:
    broken = customer_event("c-1", "C7")
    broken["data"]["country"] = 5
    world.hub.ingest.ingest_batch([json.dumps(broken)])
    [record] = world.hub.exceptions(kind=ExceptionKind.INVALID_EVENT)
    base = f"/api/v1/exceptions/{record.id}/corrections"

    still_bad = _post(world, Role.INTEGRATION, f"{base}/preview", {"payload": broken, "note": "x"})
    refused = _post(world, Role.INTEGRATION, base, {"payload": broken, "note": "x"})
    fixed = customer_event("c-1", "C7")
    applied = _post(world, Role.INTEGRATION, base, {"payload": fixed, "note": "country code"})
    world.hub.worker.run_once()

    assert still_bad.json()["outcome"] == "invalid" and "country" in still_bad.json()["reason"]
    assert refused.status_code == 422
    assert applied.json()["status"] == "applied", applied.text
    customer = world.client.get("/api/v1/customers/C7", headers=world.as_role(Role.ADMIN))
    assert customer.json()["data"]["country"] == "DE"


def test_quarantined_events_are_redriven_in_bulk_after_a_master_data_fix(
    world: ApiWorld,
) -> None:
    events = [_entry(f"te-{n}", contract="K2") for n in range(3)]
    raised = _quarantine(world, [*events, _entry("te-r9", contract="K2", resource="R9")])
    contract = {"id": "K2", "customer": "C1", "entity": "DE01", "currency": "EUR"}
    contract["start"] = "2026-01-01"
    world.hub.ingest.ingest_batch([cloud_event("contract-K2", "accord.contract.v1", contract)])
    world.hub.worker.run_once()

    body = {"kind": "unknown_reference", "source": "psa", "note": "K2 is in the CLM now"}
    naive = _post(
        world,
        Role.INTEGRATION,
        "/api/v1/exceptions/redrives",
        {**body, "since": "2026-01-01T00:00:00"},
    )
    by_billing = _post(world, Role.BILLING, "/api/v1/exceptions/redrives", body)
    result = _post(
        world,
        Role.INTEGRATION,
        "/api/v1/exceptions/redrives",
        {**body, "since": "2000-01-01T00:00:00Z"},
    )
    world.hub.worker.run_once()

    assert len(raised) == 4
    assert naive.status_code == 422 and by_billing.status_code == 403
    assert result.status_code == 200, result.text
    assert result.json()["requeued"] == 3 and result.json()["still_open"] == 1
    [left] = [o for o in result.json()["outcomes"] if o["status"] == "open"]
    assert left["exception_id"] == raised["te-r9"] and "'R9'" in left["reason"]
    for n in range(3):
        assert _statuses(world, f"te-{n}") == ["superseded", "applied"]
    [still] = world.hub.exceptions(kind=ExceptionKind.UNKNOWN_REFERENCE, status=None)[3:]
    assert still.subject == "te-r9" and str(still.status) == "open"
    assert still.history[-1]["action"] == "redriven"


class _CrashOnce(QueuedOnly):
    """Fails the first close, as a crash between superseding and resolving would."""

    def __init__(self) -> None:
        self.crashed = False

    def resolve_in(self, uow: UnitOfWork, record: ExceptionRecord, note: str, at: datetime) -> None:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("power cut")
        super().resolve_in(uow, record, note, at)


def test_a_crash_while_applying_leaves_nothing_and_the_retry_applies_once(
    world: ApiWorld,
) -> None:
    exception_id = _quarantine(world, [_entry("te-7", contract="K9")])["te-7"]
    service = CorrectionService(
        world.hub.unit_of_work, world.hub.ingest.parse, utc_now, _CrashOnce()
    )
    corrected = json.dumps(_entry("te-7", contract="K1"))
    service.submit(exception_id, corrected, "key:ada", "K9 is K1")

    with pytest.raises(RuntimeError):
        service.approve(exception_id, "key:grace", "ok")
    after_crash = _statuses(world, "te-7")
    service.approve(exception_id, "key:grace", "ok")
    with pytest.raises(ActionNotAvailable):
        service.approve(exception_id, "key:grace", "again")
    world.hub.worker.run_once()

    assert after_crash == ["quarantined"]
    assert _statuses(world, "te-7") == ["superseded", "applied"]


def _revision(event_id: str, version: int) -> dict[str, Any]:
    document = _entry(event_id, contract="K3")
    document["data"].update(id="TE-X", version=version, hours=f"{version}.5")
    return document


def test_revisions_of_one_record_collapse_into_one_exception_and_the_newest_applies(
    world: ApiWorld,
) -> None:
    _quarantine(world, [_revision("x-2", 2), _revision("x-3", 3)])  # one batch
    world.hub.ingest.ingest_batch([json.dumps(_revision("x-4", 4))])  # a later batch
    world.hub.worker.run_once()
    world.hub.ingest.ingest_batch([json.dumps(_revision("x-1", 1))])  # late, and older
    world.hub.worker.run_once()
    contract = {"id": "K3", "customer": "C1", "entity": "DE01", "currency": "EUR"}
    contract["start"] = "2026-01-01"
    world.hub.ingest.ingest_batch([cloud_event("contract-K3", "accord.contract.v1", contract)])
    world.hub.worker.run_once()

    [standing] = world.hub.exceptions(
        kind=ExceptionKind.UNKNOWN_REFERENCE, status=ExceptionStatus.OPEN
    )
    redriven = _post(
        world, Role.INTEGRATION, "/api/v1/exceptions/redrives", {"ids": [standing.id], "note": "K3"}
    )
    world.hub.worker.run_once()

    every = world.hub.exceptions(kind=ExceptionKind.UNKNOWN_REFERENCE, status=None)
    assert [(r.subject, str(r.status)) for r in every] == [("x-3", "resolved"), ("x-4", "resolved")]
    assert every[0].details["older_events"] == ["x-2"]
    assert "superseded by exception" in every[0].history[-1]["note"]
    assert any(entry.get("event_id") == "x-1" for entry in every[1].history)
    assert redriven.json()["requeued"] == 1
    entry = world.client.get("/api/v1/time-entries/TE-X", headers=world.as_role(Role.ADMIN))
    assert entry.json()["data"]["hours"] == "4.5"
