"""One truth about unbilled time: on one firm, the KPIs, revenue leakage and the last
reconciliation run, read through the API, name the same unbilled entries and amount,
including approved time the PSA holds and the hub never received."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from accord.adapters.reconciliation_runs import SqlAlchemyReconciliationRuns
from accord.application.billing import BillingBook, BillingService
from accord.application.reconciliation import ReconciliationService, ReconciliationSources
from accord.application.reconciliation_jobs import ReconciliationJobs
from accord.application.reports import HubReports
from accord.application.security import Role
from accord.canonical import v1
from accord.domain.reconciliation import Tolerances
from tests.integration.api.conftest import ApiWorld
from tests.unit.kpis.fakes import FakeAppliedRecords, FakeBillingStore, FakeExceptionHistory
from tests.unit.reconciliation.test_reconciliation_service import (
    FakeExceptionSink,
    FakePsa,
    billed_state,
    psa_entries,
)

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)


def _psa_time(entry: str, day: date, hours: int) -> v1.TimeEntry:
    return v1.TimeEntry(
        id=entry, contract="K1", term="TM", resource="R1", date=day, hours=Decimal(hours)
    )


def test_kpis_leakage_and_reconciliation_agree_on_unbilled_time(world: ApiWorld) -> None:
    state = billed_state()  # T5, T6 billed in January; T30 approved in February, unbilled
    never_received = _psa_time("T99", date(2026, 2, 9), 4)
    in_flight = _psa_time("T98", date(2026, 3, 30), 1)
    psa = FakePsa([*psa_entries(state), never_received, in_flight])
    clock = lambda: NOW  # noqa: E731
    reconciliation = ReconciliationService(
        ReconciliationSources(psa=psa),  # type: ignore[arg-type]
        lambda: state,
        FakeExceptionSink(),
        clock,
        Tolerances(unbilled_after_days=30),
    )
    jobs = ReconciliationJobs(SqlAlchemyReconciliationRuns(world.hub.engine), reconciliation, clock)
    billing = BillingService(FakeBillingStore(BillingBook(state)), FakeAppliedRecords())
    reports = HubReports(billing, reconciliation, clock, FakeExceptionHistory(), jobs)  # type: ignore[arg-type]
    world.serve(replace(world.ports, reports=reports))
    admin = world.as_role(Role.ADMIN)
    assert world.client.post("/api/v1/reconciliation/runs", headers=admin).status_code == 202
    jobs.run_requested()

    def read(path: str) -> dict:  # type: ignore[type-arg]
        response = world.client.get(f"/api/v1/{path}", headers=admin)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    reconciled = {
        d["keys"][0]: Decimal(d["amount_at_risk"])
        for d in read("reconciliation")["discrepancies"]
        if d["kind"] == "unbilled_time"
    }
    leakage = read("leakage")
    leaked = {
        i["key"]: Decimal(i["amount"]) for i in leakage["items"] if i["source"] == "unbilled_time"
    }
    [row] = read("kpis")["billing"]["billed_vs_approved"]
    assert reconciled == leaked == {"T30": Decimal("300.00"), "T99": Decimal("600.00")}
    assert leakage["totals"]["unbilled_time"] == {"EUR": "900.00"}
    assert (row["unbilled_time_overdue"], row["unbilled_time_overdue_entries"]) == ("900.00", 2)
    assert Decimal(row["unbilled"]) >= Decimal("900.00")  # the hour in flight is not overdue
