"""One truth about unbilled time: on one firm, the KPIs, revenue leakage and the stored
reconciliation report name the same unbilled entries and the same amount, including
approved time the PSA holds and the hub never received."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from accord.adapters.reconciliation_runs import SqlAlchemyReconciliationRuns
from accord.adapters.store import create_store_engine, migrate
from accord.application.billing import BillingBook, BillingService
from accord.application.reconciliation import ReconciliationService, ReconciliationSources
from accord.application.reconciliation_jobs import ReconciliationJobs
from accord.application.reports import HubReports
from accord.canonical import v1
from accord.domain.reconciliation import Tolerances
from tests.unit.kpis.fakes import FakeAppliedRecords, FakeBillingStore, FakeExceptionHistory
from tests.unit.reconciliation.test_reconciliation_service import (
    FakeExceptionSink,
    FakePsa,
    billed_state,
    psa_entries,
)

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)


def test_kpis_leakage_and_reconciliation_agree_on_unbilled_time(tmp_path: Path) -> None:
    state = billed_state()  # T5, T6 billed in January; T30 approved in February, unbilled
    never_received = v1.TimeEntry(
        id="T99", contract="K1", term="TM", resource="R1", date=date(2026, 2, 9), hours=Decimal(4)
    )
    young = v1.TimeEntry(
        id="T98", contract="K1", term="TM", resource="R1", date=date(2026, 3, 30), hours=Decimal(1)
    )
    psa = FakePsa([*psa_entries(state), never_received, young])
    clock = lambda: NOW  # noqa: E731
    reconciliation = ReconciliationService(
        ReconciliationSources(psa=psa),  # type: ignore[arg-type]
        lambda: state,
        FakeExceptionSink(),
        clock,
        Tolerances(unbilled_after_days=30),
    )
    engine = create_store_engine(f"sqlite:///{tmp_path / 'accord.sqlite'}")
    migrate(engine)
    jobs = ReconciliationJobs(SqlAlchemyReconciliationRuns(engine), reconciliation, clock)
    billing = BillingService(FakeBillingStore(BillingBook(state)), FakeAppliedRecords())
    reports = HubReports(billing, reconciliation, clock, FakeExceptionHistory(), jobs)  # type: ignore[arg-type]
    reports.request_reconciliation("oidc:finance")
    jobs.run_requested()

    reconciled = {
        d["keys"][0]: Decimal(d["amount_at_risk"])
        for d in reports.reconciliation()["discrepancies"]
        if d["kind"] == "unbilled_time"
    }
    leakage = reports.leakage()
    leaked = {
        i["key"]: Decimal(i["amount"]) for i in leakage["items"] if i["source"] == "unbilled_time"
    }
    [row] = reports.kpis()["billed_vs_approved"]
    assert reconciled == leaked == {"T30": Decimal("300.00"), "T99": Decimal("600.00")}
    assert leakage["totals"]["unbilled_time"] == {"EUR": "900.00"}
    assert (row["unbilled_time_overdue"], row["unbilled_time_overdue_entries"]) == ("900.00", 2)
    assert Decimal(row["unbilled"]) >= Decimal("900.00")  # the young hour is in flight
    engine.dispose()
