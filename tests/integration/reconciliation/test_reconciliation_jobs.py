"""Reconciliation as a job on SQLite and PostgreSQL: a report never runs one, a request
is a job with a status to poll, and requests made together share one job and one run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from accord.adapters.reconciliation_runs import SqlAlchemyReconciliationRuns
from accord.adapters.store import create_store_engine, migrate
from accord.application.billing import BillingService
from accord.application.reconciliation import ReconciliationReport
from accord.application.reconciliation_jobs import ReconciliationJobs, RunStatus
from accord.application.reports import HubReports
from accord.domain.exceptions import OwnerRole
from accord.domain.reconciliation import Discrepancy, DiscrepancyKind, LeakageReport
from tests.unit.kpis.fakes import FakeAppliedRecords, FakeBillingStore, FakeExceptionHistory

AS_OF = date(2026, 3, 31)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    url = (
        f"sqlite:///{tmp_path / 'accord.sqlite'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    built = create_store_engine(url)
    migrate(built)
    yield built
    built.dispose()


class CountingReconciliation:
    """Counts full reconciliations; each finds the same unposted invoice, and cannot
    compare the CRM's payments (its connector lists none)."""

    def __init__(self, fail: bool = False) -> None:
        self.runs = 0
        self.fail = fail
        self.release = threading.Event()
        self.release.set()

    def run(self, as_of: date | None = None) -> ReconciliationReport:
        self.runs += 1
        self.release.wait(60)
        if self.fail:
            raise ConnectionError("erp is down")
        found = Discrepancy(
            DiscrepancyKind.UNPOSTED_DOCUMENT,
            "documents_hub_erp",
            ("hub", "erp"),
            "INV-1",
            None,
            "EUR",
            3,
            OwnerRole.FINANCE,
        )
        return ReconciliationReport(
            as_of or AS_OF,
            (found,),
            ("documents_hub_erp",),
            not_compared={"payments_erp_crm": "no crm connector offers a PaymentListing"},
        )

    def leakage(self, as_of: date | None = None, reported: object = ()) -> LeakageReport:
        return LeakageReport(as_of or AS_OF, 30, ())


def jobs(engine: sa.Engine, reconciliation: CountingReconciliation) -> ReconciliationJobs:
    business_day = lambda: datetime(2026, 3, 31, 12, tzinfo=UTC)  # noqa: E731
    return ReconciliationJobs(SqlAlchemyReconciliationRuns(engine), reconciliation, business_day)


def reports(jobs: ReconciliationJobs, reconciliation: CountingReconciliation) -> HubReports:
    billing = BillingService(FakeBillingStore(), FakeAppliedRecords())
    clock = lambda: datetime(2026, 3, 31, 12, tzinfo=UTC)  # noqa: E731
    return HubReports(billing, reconciliation, clock, FakeExceptionHistory(), jobs)  # type: ignore[arg-type]


def test_the_report_reads_the_last_run_and_never_reconciles(engine: sa.Engine) -> None:
    reconciliation = CountingReconciliation()
    hub_jobs = jobs(engine, reconciliation)
    read = reports(hub_jobs, reconciliation)

    before = read.reconciliation()
    assert (before["discrepancies"], before["ran_at"], before["pending"]) == ([], None, None)

    job = read.request_reconciliation("oidc:finance")
    assert job["status"] == "requested"
    assert read.reconciliation()["pending"]["id"] == job["id"]
    assert reconciliation.runs == 0

    hub_jobs.run_requested()
    for _ in range(3):
        after = read.reconciliation()
    assert reconciliation.runs == 1
    assert [d["keys"] for d in after["discrepancies"]] == [["INV-1"]]
    assert (after["as_of"], after["pending"]) == ("2026-03-31", None)
    assert after["ran_at"] is not None
    assert read.reconciliation_run(job["id"])["status"] == "done"  # type: ignore[index]
    assert read.reconciliation_run(job["id"] + 1) is None


def test_a_request_while_one_is_under_way_is_that_same_job(engine: sa.Engine) -> None:
    reconciliation = CountingReconciliation()
    hub_jobs = jobs(engine, reconciliation)
    first = hub_jobs.request("oidc:finance")
    assert hub_jobs.request("scheduler").id == first.id

    reconciliation.release.clear()
    worker = threading.Thread(target=hub_jobs.run_requested)
    worker.start()
    try:
        while hub_jobs.run(first.id).status is RunStatus.REQUESTED:  # type: ignore[union-attr]
            threading.Event().wait(0.05)
        assert hub_jobs.request("oidc:billing").id == first.id
        assert hub_jobs.run_requested() is None  # nothing else is requested
    finally:
        reconciliation.release.set()
        worker.join(60)
    assert reconciliation.runs == 1
    assert hub_jobs.run(first.id).status is RunStatus.DONE  # type: ignore[union-attr]
    assert hub_jobs.request("scheduler").id != first.id


def test_requests_made_together_share_one_job_and_one_run(engine: sa.Engine) -> None:
    reconciliation = CountingReconciliation()
    hub_jobs = jobs(engine, reconciliation)
    start = threading.Barrier(6)
    ids: list[int] = []

    def ask() -> None:
        start.wait(30)
        ids.append(hub_jobs.request("oidc:finance").id)

    askers = [threading.Thread(target=ask) for _ in range(6)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(60)
    assert len(ids) == 6 and len(set(ids)) == 1
    runners = [threading.Thread(target=hub_jobs.run_requested) for _ in range(3)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(60)
    assert reconciliation.runs == 1


def test_a_failed_run_says_why_and_a_stopped_one_is_requested_again(engine: sa.Engine) -> None:
    reconciliation = CountingReconciliation(fail=True)
    hub_jobs = jobs(engine, reconciliation)
    job = hub_jobs.request("scheduler")
    failed = hub_jobs.run_requested()
    assert failed is not None
    assert (failed.status, failed.error) == (RunStatus.FAILED, "ConnectionError: erp is down")
    latest = reports(hub_jobs, reconciliation).reconciliation()
    assert (latest["ran_at"], latest["last_run"]["id"]) == (None, job.id)

    interrupted = hub_jobs.request("scheduler")
    runs = SqlAlchemyReconciliationRuns(engine)
    assert runs.claim(datetime.now(UTC)) is not None  # a process took it, then died
    assert hub_jobs.recover() == 1
    assert hub_jobs.run(interrupted.id).status is RunStatus.REQUESTED  # type: ignore[union-attr]
