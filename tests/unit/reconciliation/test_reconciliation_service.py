"""The reconciliation service with fake systems: report, exceptions opened and closed,
systems that cannot be read, the fast engine for volume, and revenue leakage."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from accord.adapters.reconciliation_duckdb import DuckDbReconciliationEngine
from accord.application.document_mapping import to_invoice
from accord.application.ports import ExceptionRecord
from accord.application.reconciliation import ReconciliationService, ReconciliationSources
from accord.canonical import v1
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_time, new_state, set_milestone
from accord.domain.contracts.model import (
    Contract,
    Customer,
    Employment,
    Entity,
    Firm,
    FixedFeeTerm,
    Milestone,
    RateVersion,
    Resource,
    TaxCategory,
    TaxRule,
    TimeAndMaterialsTerm,
)
from accord.domain.delivery.model import TimeEntry
from accord.domain.exceptions import BusinessException, ExceptionKind, ExceptionStatus, OwnerRole
from accord.domain.reconciliation import DiscrepancyKind, LeakageSource, Tolerances

D = Decimal
TODAY = datetime(2026, 3, 31, tzinfo=UTC)


def billed_state() -> BillingState:
    """K1 (T&M at 150/h, cap 2000) and K2 (fixed fee 10,000 in two milestones); January
    time invoiced through 2026-01-31, then more time approved in February."""
    firm = Firm(
        (Entity("DE01", "Firm", "DE", "EUR"),),
        (),
        (TaxRule("DE01", "DE", TaxCategory.STANDARD, D(19)),),
    )
    people = [Resource("R1", "Ada", "consultant", (Employment("DE01", date(2025, 1, 1)),))]
    tm = TimeAndMaterialsTerm(
        "TM", (RateVersion("consultant", D(150), date(2026, 1, 1)),), (), D(2000)
    )
    ff = FixedFeeTerm(
        "FF", D(10000), (Milestone("M1", "Design", D(40)), Milestone("M2", "Build", D(60)))
    )
    contracts = [
        Contract("K1", "C1", "DE01", "EUR", date(2026, 1, 1), date(2026, 12, 31), (tm,)),
        Contract("K2", "C1", "DE01", "EUR", date(2026, 1, 1), date(2026, 12, 31), (ff,)),
    ]
    state = new_state(firm, [Customer("C1", "Customer", "DE")], people, contracts)
    state = approve_time(
        state, [TimeEntry(f"T{d}", "K1", "TM", "R1", date(2026, 1, d), D(8)) for d in (5, 6)]
    )
    state = run_invoicing(state, date(2026, 1, 31)).state
    later = [TimeEntry("T30", "K1", "TM", "R1", date(2026, 2, 2), D(2))]
    state = approve_time(state, later)
    return set_milestone(state, ("K2", "FF", "M1"), accepted=True)


def psa_entries(state: BillingState) -> list[v1.TimeEntry]:
    return [
        v1.TimeEntry(
            id=e.id,
            contract=e.contract,
            term=e.term,
            resource=e.resource,
            date=e.work_date,
            hours=e.hours,
        )
        for entries in state.time_entries.values()
        for e in entries.values()
    ]


class FakeErp:
    def __init__(
        self, documents: list[v1.Invoice], payments: list[v1.Payment] | None = None
    ) -> None:
        self.documents = documents
        self.payments = payments or []

    def list_documents(self) -> Sequence[v1.Invoice]:
        return self.documents

    def list_payments(self, since: date | None) -> Sequence[v1.Payment]:
        return self.payments


class FakePsa:
    def __init__(self, entries: list[v1.TimeEntry]) -> None:
        self.entries = entries

    def approved_time(self, since: datetime | None) -> Sequence[v1.TimeEntry]:
        return self.entries


class FakeDownBilling:
    def list_documents(self) -> Sequence[v1.Invoice]:
        raise ConnectionError("billing is down")


class FakeExceptionSink:
    """The exception queue reconciliation writes to, counting how often it is scanned."""

    def __init__(self) -> None:
        self.records: dict[str, ExceptionRecord] = {}
        self.scans = 0

    def open(self, exception: BusinessException, details: Mapping[str, Any] | None = None) -> int:
        if exception.subject not in self.records:
            self.records[exception.subject] = ExceptionRecord(
                len(self.records) + 1,
                exception.kind,
                exception.owner,
                "medium",
                exception.subject,
                ExceptionStatus.OPEN,
                exception.message,
                dict(details or {}),
                TODAY,
                TODAY,
            )
        return self.records[exception.subject].id

    def open_all(
        self, problems: Sequence[tuple[BusinessException, Mapping[str, Any]]]
    ) -> builtins.list[int]:
        self.scans += 1
        return [self.open(exception, details) for exception, details in problems]

    def close_all(self, records: Sequence[ExceptionRecord], note: str) -> int:
        self.scans += 1
        for record in records:
            self.records[record.subject] = replace(record, status=ExceptionStatus.RESOLVED)
        return len(records)

    def open_records(
        self, owner: OwnerRole | None = None, kind: ExceptionKind | None = None
    ) -> builtins.list[ExceptionRecord]:
        self.scans += 1
        return [
            r
            for r in self.records.values()
            if r.status is ExceptionStatus.OPEN and (kind is None or r.kind == kind)
        ]


def service(
    state: BillingState, erp: FakeErp, sink: FakeExceptionSink, **options: Any
) -> ReconciliationService:
    sources = ReconciliationSources(
        erp=erp, psa=FakePsa(psa_entries(state)), billing=options.pop("billing", None)
    )  # type: ignore[arg-type]
    return ReconciliationService(sources, lambda: state, sink, lambda: TODAY, **options)


def test_a_clean_landscape_reconciles_to_nothing() -> None:
    state = billed_state()
    erp = FakeErp([to_invoice(d) for d in state.ledger.documents.values()])
    report = service(
        state, erp, FakeExceptionSink(), tolerances=Tolerances(unbilled_after_days=60)
    ).run()
    assert report.discrepancies == ()
    assert report.to_dict()["discrepancies"] == []
    # these fakes offer no listings: what needs one is reported, not silently dropped
    assert set(report.to_dict()["not_compared"]) == {
        "projects_psa_erp",
        "payments_erp_billing",
        "payments_erp_crm",
    }


def test_discrepancies_open_exceptions_that_close_when_the_systems_agree_again() -> None:
    state = billed_state()
    sink = FakeExceptionSink()
    erp = FakeErp([])
    report = service(state, erp, sink, tolerances=Tolerances(unbilled_after_days=30)).run()
    found = {(d.kind, d.key): d for d in report.discrepancies}
    unposted = found[(DiscrepancyKind.UNPOSTED_DOCUMENT, "INV-DE01-000001")]
    assert (unposted.amount_at_risk, unposted.age_days, unposted.owner) == (
        D("2380.00"),
        59,
        OwnerRole.FINANCE,
    )
    unbilled = found[(DiscrepancyKind.UNBILLED_TIME, "T30")]
    assert (unbilled.amount_at_risk, unbilled.age_days, unbilled.owner) == (
        D("300.00"),
        57,
        OwnerRole.BILLING,
    )
    assert len(report.discrepancies) == 2
    record = sink.records["documents_hub_erp:INV-DE01-000001"]
    assert record.kind is ExceptionKind.RECONCILIATION_DISCREPANCY
    assert record.details["owner"] == "finance"

    erp.documents = [to_invoice(d) for d in state.ledger.documents.values()]
    again = service(state, erp, sink, tolerances=Tolerances(unbilled_after_days=30)).run()
    assert [d.kind for d in again.discrepancies] == [DiscrepancyKind.UNBILLED_TIME]
    assert sink.records["documents_hub_erp:INV-DE01-000001"].status is ExceptionStatus.RESOLVED
    assert sink.records["time_psa_hub:T30"].status is ExceptionStatus.OPEN


def test_a_system_that_cannot_be_read_is_skipped_and_its_exceptions_stay_open() -> None:
    state = billed_state()
    sink = FakeExceptionSink()
    sink.open(
        BusinessException(ExceptionKind.RECONCILIATION_DISCREPANCY, "documents_hub_billing:X", "m")
    )
    erp = FakeErp([to_invoice(d) for d in state.ledger.documents.values()])
    report = service(state, erp, sink, billing=FakeDownBilling()).run()
    assert report.skipped == {"billing": "ConnectionError: billing is down"}
    assert "documents_hub_billing" not in report.compared
    assert sink.records["documents_hub_billing:X"].status is ExceptionStatus.OPEN


def test_large_inputs_go_to_the_fast_engine_with_the_same_result() -> None:
    state = billed_state()
    erp = FakeErp([])
    slow = service(state, erp, FakeExceptionSink()).run()
    fast = service(
        state, erp, FakeExceptionSink(), fast_engine=DuckDbReconciliationEngine(), fast_threshold=1
    ).run()
    assert (slow.engine, fast.engine) == ("in-memory", "duckdb")
    assert fast.discrepancies == slow.discrepancies


def test_revenue_leakage_lists_unbilled_time_cap_write_downs_and_unbilled_milestones() -> None:
    state = billed_state()
    state = approve_time(state, [TimeEntry("T7", "K1", "TM", "R1", date(2026, 1, 7), D(8))])
    state = run_invoicing(state, date(2026, 1, 31)).state
    state = set_milestone(state, ("K2", "FF", "M2"), accepted=True)
    leakage = service(
        state, FakeErp([]), FakeExceptionSink(), tolerances=Tolerances(unbilled_after_days=30)
    ).leakage()
    items = {(i.source, i.key): i for i in leakage.items}
    assert items[(LeakageSource.UNBILLED_TIME, "T30")].amount == D("300.00")
    assert items[(LeakageSource.CAP_WRITE_DOWN, "K1/TM")].amount == D("1600.00")
    assert items[(LeakageSource.UNBILLED_MILESTONE, "K2/FF/M2")].amount == D("6000.00")
    assert len(items) == 3
    assert leakage.to_dict()["totals"] == {
        "cap_write_down": {"EUR": "1600.00"},
        "unbilled_milestone": {"EUR": "6000.00"},
        "unbilled_time": {"EUR": "300.00"},
    }
    younger = service(
        state, FakeErp([]), FakeExceptionSink(), tolerances=Tolerances(unbilled_after_days=60)
    ).leakage()
    assert LeakageSource.UNBILLED_TIME not in {i.source for i in younger.items}


def test_a_document_listed_twice_is_compared_once_with_the_last_copy_read() -> None:
    state = billed_state()
    posted = [to_invoice(d) for d in state.ledger.documents.values()]
    first = posted[0]
    stale = first.model_copy(
        update={
            "net_total": first.net_total + D("0.005"),
            "gross_total": first.gross_total + D("0.005"),
        }
    )
    fast = {"fast_engine": DuckDbReconciliationEngine(), "fast_threshold": 1}
    settled = service(state, FakeErp([stale, *posted]), FakeExceptionSink(), **fast).run()
    assert not [d for d in settled.discrepancies if d.key == first.number]
    late = service(state, FakeErp([*posted, stale]), FakeExceptionSink(), **fast).run()
    [found] = [d for d in late.discrepancies if d.key == first.number]
    # half a cent apart is a discrepancy; its amount at risk is shown to the cent
    assert (found.kind, found.amount_at_risk) == (DiscrepancyKind.AMOUNT_MISMATCH, D("0.01"))
    assert late.engine == "duckdb"
