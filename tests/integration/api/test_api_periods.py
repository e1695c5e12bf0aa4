"""Accounting periods through the API: finance closes one, a change to invoiced time
dated in it waits for approval instead of being billed, and once finance reopens it
the change is billed; other roles cannot close, and every change is audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from accord.adapters.billing_store import SqlAlchemyAppliedRecords, SqlAlchemyBillingStateStore
from accord.application.billing import BillingBook, BillingService
from accord.application.ports import BusinessObject
from accord.application.security import Role
from accord.canonical import v1
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import approve_time
from accord.domain.exceptions import ExceptionKind
from tests.integration.api.conftest import ApiWorld
from tests.unit.billing.builders import FEB, JAN, entry, make_state

ORIGIN = {"Origin": "http://testserver"}
CLOSE = "/api/v1/periods/DE01/2026-01/close"
REOPEN = "/api/v1/periods/DE01/2026-01/reopen"


def _billing(world: ApiWorld) -> BillingService:
    """A billing state with time entry T1 (10 h on 9 January) invoiced in January."""
    invoiced = run_invoicing(approve_time(make_state(), [entry("T1", 9, "10")]), JAN).state
    SqlAlchemyBillingStateStore(world.hub.engine).save(BillingBook(invoiced), 0)
    return BillingService(
        SqlAlchemyBillingStateStore(world.hub.engine), SqlAlchemyAppliedRecords(world.hub.engine)
    )


def _psa_changes_t1_to(world: ApiWorld, hours: str) -> None:
    data = {"id": "T1", "contract": "K1", "term": "TM", "resource": "R1"}
    record = v1.TimeEntry.model_validate({**data, "date": "2026-01-09", "hours": hours})
    changed = BusinessObject(
        "time_entry", "T1", record.business_version(), json.dumps(record.model_dump(mode="json")), 1
    )
    with world.hub.unit_of_work() as uow:
        uow.objects.lock_applying()
        uow.objects.upsert([changed], datetime.now(UTC))
        uow.commit()


def _post(world: ApiWorld, role: Role, path: str) -> Any:
    body = {"note": "month-end"}
    return world.client.post(path, json=body, headers={**world.as_role(role), **ORIGIN})


def test_a_change_in_a_closed_period_waits_until_finance_reopens_it(world: ApiWorld) -> None:
    billing = _billing(world)

    denied = _post(world, Role.BILLING, CLOSE)
    unknown = _post(world, Role.FINANCE, "/api/v1/periods/XX99/2026-01/close")
    closed = _post(world, Role.FINANCE, CLOSE)
    listed = world.client.get("/api/v1/periods", headers=world.as_role(Role.VIEWER))
    _psa_changes_t1_to(world, "12")
    billing.catch_up()
    waiting = billing.run_invoices(FEB)
    reopened = _post(world, Role.FINANCE, REOPEN)
    billed = billing.run_invoices(FEB)

    assert denied.status_code == 403
    assert unknown.status_code == 422 and "DE01" in unknown.json()["detail"]
    assert closed.json() == {
        "entity": "DE01", "period": "2026-01", "closed": True, "changed": True
    }  # fmt: skip
    assert listed.json()["closed"] == {"DE01": ["2026-01"], "US01": []}
    assert waiting.documents == ()
    assert [(e.kind, e.subject) for e in waiting.exceptions] == [
        (ExceptionKind.CLOSED_PERIOD_CHANGE, "T1")
    ]
    assert reopened.json()["closed"] is False
    [correction] = billed.documents
    assert [line.quantity for line in correction.lines] == [Decimal("2")]
    audit = [(r.action, r.subject) for r in world.governance.audit.records()]
    assert ("period.closed", "period:DE01:2026-01") in audit
    assert ("period.reopened", "period:DE01:2026-01") in audit
