"""Reconciliation finds an item billed twice in the hub's ledger and in the documents read
back from billing and the ERP, leaves corrected items alone, and touches the exception
queue a fixed number of times per run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.application.document_mapping import to_invoice
from accord.application.exception_service import ExceptionService
from accord.application.reconciliation import ReconciliationService, ReconciliationSources
from accord.application.reconciliation_mapping import document_charges, hub_charges
from accord.canonical import v1
from accord.domain.billing.documents import DocumentStatus
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_time, correct_time
from accord.domain.delivery.model import TimeEntry
from accord.domain.exceptions import ExceptionKind, ExceptionStatus
from accord.domain.reconciliation import DiscrepancyKind, Tolerances, double_billed
from tests.unit.reconciliation.fake_queue import FakeUnitOfWork, ScanCountingQueue
from tests.unit.reconciliation.test_reconciliation_service import (
    FakeErp,
    FakeExceptionSink,
    FakePsa,
    billed_state,
    psa_entries,
)

D = Decimal
TODAY = datetime(2026, 3, 31, tzinfo=UTC)
LENIENT = Tolerances(unbilled_after_days=365)


class FakeBilling:
    def __init__(self, documents: list[v1.Invoice]) -> None:
        self.documents = documents

    def list_documents(self) -> Sequence[v1.Invoice]:
        return self.documents


def issued_again(state: BillingState, number: str, again: str, on: date) -> BillingState:
    """The invoice issued a second time under a new number, as a crashed run can do."""
    copy = replace(state.ledger.documents[number], number=again, issue_date=on)
    documents = {**state.ledger.documents, again: copy}
    return replace(state, ledger=replace(state.ledger, documents=documents))


def everywhere(state: BillingState, sink: object) -> ReconciliationService:
    """Billing and the ERP hold exactly the hub's documents."""
    invoices = [to_invoice(d) for d in state.ledger.documents.values()]
    sources = ReconciliationSources(
        erp=FakeErp(invoices), billing=FakeBilling(invoices), psa=FakePsa(psa_entries(state))
    )  # type: ignore[arg-type]
    return ReconciliationService(sources, lambda: state, sink, lambda: TODAY, tolerances=LENIENT)  # type: ignore[arg-type]


def double_bills(service: ReconciliationService) -> dict[tuple[str, str], Decimal | None]:
    report = service.run()
    return {
        (d.comparison, d.key): d.amount_at_risk
        for d in report.discrepancies
        if d.kind is DiscrepancyKind.DOUBLE_BILLED
    }


def test_an_invoice_issued_twice_is_a_double_bill_in_every_system_that_holds_it() -> None:
    state = issued_again(billed_state(), "INV-DE01-000001", "INV-DE01-000007", date(2026, 2, 3))
    sink = FakeExceptionSink()
    found = double_bills(everywhere(state, sink))
    assert found == {
        (f"billed_once_{system}", f"time_entry:{entry}"): D("1200.00")
        for system in ("hub", "billing", "erp")
        for entry in ("T5", "T6")
    }
    record = sink.records["billed_once_erp:time_entry:T5"]
    assert (record.kind, record.details["owner"]) == (ExceptionKind.DOUBLE_BILLING, "finance")
    assert record.details["values"] == {"first": "INV-DE01-000001", "again": "INV-DE01-000007"}
    assert "INV-DE01-000007" in record.message


def test_expenses_and_milestones_billed_twice_are_found_with_their_excess() -> None:
    result = run_invoicing(billed_state(), date(2026, 2, 28))
    [invoice] = [d for d in result.documents if d.contract == "K2"]
    state = issued_again(result.state, invoice.number, "INV-DE01-000009", date(2026, 3, 2))
    found = double_bills(everywhere(state, FakeExceptionSink()))
    assert found[("billed_once_billing", "milestone:K2/FF/M1")] == D("4000.00")
    assert found[("billed_once_hub", "milestone:K2/FF/M1")] == D("4000.00")


def test_a_corrected_entry_credited_and_billed_again_is_not_a_double_bill() -> None:
    state = run_invoicing(billed_state(), date(2026, 2, 28)).state
    state = run_invoicing(correct_time(state, "T5", hours=D(0)), date(2026, 3, 10)).state
    state = run_invoicing(correct_time(state, "T5", hours=D(8)), date(2026, 3, 20)).state
    state = run_invoicing(correct_time(state, "T6", hours=D(6)), date(2026, 3, 31)).state
    kinds = {d.kind for d in state.ledger.documents.values()}
    assert len(kinds) == 2  # invoices and credit notes were issued
    assert double_bills(everywhere(state, FakeExceptionSink())) == {}


def test_a_double_bill_closes_once_the_duplicate_is_credited() -> None:
    sink = FakeExceptionSink()
    state = issued_again(billed_state(), "INV-DE01-000001", "INV-DE01-000007", date(2026, 2, 3))
    double_bills(everywhere(state, sink))
    duplicate = replace(state.ledger.documents["INV-DE01-000007"], status=DocumentStatus.CREDITED)
    documents = {**state.ledger.documents, "INV-DE01-000007": duplicate}
    credited = replace(state, ledger=replace(state.ledger, documents=documents))
    assert double_bills(everywhere(credited, sink)) == {}
    assert sink.records["billed_once_hub:time_entry:T5"].status is ExceptionStatus.RESOLVED


def february_issued_twice(entries: int) -> BillingState:
    """`entries` more hours in February, invoiced and then invoiced again."""
    work = [
        TimeEntry(f"F{n}", "K1", "TM", "R1", date(2026, 2, 1 + n % 27), D(1))
        for n in range(entries)
    ]
    result = run_invoicing(approve_time(billed_state(), work), date(2026, 2, 28))
    [invoice] = [d for d in result.documents if d.contract == "K1"]
    return issued_again(result.state, invoice.number, "INV-DE01-000099", date(2026, 3, 2))


def test_the_exception_queue_is_scanned_a_fixed_number_of_times_however_many_found() -> None:
    """Opening N double bills and closing them again costs the same few queue scans for
    N = 3 and N = 93: the open records are read once per run, not once per discrepancy."""
    scans = {}
    for entries in (0, 30):
        queue = ScanCountingQueue()
        exceptions = ExceptionService(lambda q=queue: FakeUnitOfWork(q), lambda: TODAY)
        state = february_issued_twice(entries)
        found = double_bills(everywhere(state, exceptions))
        assert len(found) == 3 * (entries + 1)
        opened = [r for r in queue.records.values() if r.kind is ExceptionKind.DOUBLE_BILLING]
        assert len(opened) == len(found)
        opening = queue.scans
        del state.ledger.documents["INV-DE01-000099"]  # as if it had never been issued
        assert double_bills(everywhere(state, exceptions)) == {}
        assert {r.status for r in queue.records.values()} == {ExceptionStatus.RESOLVED}
        scans[entries] = (opening, queue.scans - opening)
    assert scans[0] == scans[30]
    assert max(scans[30]) <= 6


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["0", "2", "6.5", "8", "12"]), st.booleans()),
        min_size=1,
        max_size=5,
    )
)
def test_any_run_of_corrections_bills_each_entry_once_for_its_current_hours(
    changes: list[tuple[str, bool]],
) -> None:
    """Whatever hours and billable flags an invoiced entry goes through, each invoice run
    correcting it, its lines on every document add up to its current value and never to
    two live billings."""
    state = billed_state()
    for n, (hours, billable) in enumerate(changes):
        state = correct_time(state, "T5", hours=D(hours), billable=billable)
        state = run_invoicing(state, date(2026, 2, 1 + 5 * n)).state
    invoices = [to_invoice(d) for d in state.ledger.documents.values()]
    for charges in (hub_charges(state.ledger.documents.values()), document_charges(invoices)):
        assert double_billed("billed_once", charges) == []
        t5 = sum((c.amount for c in charges if c.key == "time_entry:T5"), D(0))
        hours, billable = changes[-1]
        assert t5 == (D(hours) * 150 if billable else 0)
