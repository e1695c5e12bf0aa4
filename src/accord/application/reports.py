"""Read models behind the dashboard and the experience API: reconciliation, leakage,
invoice lineage and business KPIs, computed from the hub's own state."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from accord.application.billing import BillingService
from accord.application.clock import Clock
from accord.application.operations import ActionNotAvailable
from accord.application.ports import ExceptionRecord
from accord.application.reconciliation import ReconciliationService
from accord.application.reconciliation_jobs import ReconciliationJobs
from accord.domain.billing.documents import Document, DocumentKind, DocumentStatus, LineKind
from accord.domain.billing.ledger import BilledEntry
from accord.domain.billing.report import format_amount, render_document
from accord.domain.exceptions import ExceptionKind
from accord.domain.kpi_periods import (
    ValuedHour,
    backlog_conversion_of,
    disputes,
    queue_effort,
    recent_periods,
    valued_hours,
)
from accord.domain.kpis import (
    ApprovedWork,
    activation_timings,
    approved_work,
    billed_vs_approved_of,
    first_time_posting,
    invoice_cycle_timings,
)
from accord.domain.reconciliation import LeakageReport, LeakageSource, reported_unbilled_time

ExceptionsOfKind = Callable[[ExceptionKind], Sequence[ExceptionRecord]]
"""Every exception of a kind, open or resolved (the queue's history)."""

POSTING_TROUBLE = (
    ExceptionKind.POSTING_REJECTED,
    ExceptionKind.SYSTEM_UNAVAILABLE,
    ExceptionKind.POSTING_MISMATCH,  # posted, but the ledger does not say what was issued
)
KPI_MONTHS = 6
"""How many months, through the current one, the monthly KPIs cover."""


def _entry_lineage(entry: BilledEntry) -> dict[str, str]:
    kind, key, valid_from = entry.rate_key
    return {
        "entry": entry.entry,
        "hours": f"{entry.hours:.2f}",
        "work_date": entry.work_date.isoformat(),
        "rate_version": f"{kind} {key} from {valid_from.isoformat()}",
    }


def _posting_troubles(records: Iterable[ExceptionRecord]) -> set[str]:
    """Every key a posting exception named: its subject and the keys it blocked."""
    return {key for record in records for key in (record.subject, *record.blocks)}


def _billing_totals(documents: Sequence[Document]) -> dict[str, Any]:
    billed: dict[str, Decimal] = {}
    for document in documents:
        if document.kind is not DocumentKind.PREPAYMENT:
            billed[document.currency] = billed.get(document.currency, Decimal(0)) + (
                document.net_total
            )
    statuses = {status.value: 0 for status in DocumentStatus}
    for document in documents:
        statuses[document.status.value] += 1
    return {
        "documents": len(documents),
        "documents_by_status": statuses,
        "billed_net_by_currency": {c: format_amount(v, c) for c, v in sorted(billed.items())},
    }


class HubReports:
    """The `Reports` port on the hub's billing book, reconciliation and exception queue.

    Reconciliation is read from the stored jobs (`jobs`): a report never runs one.
    Without jobs there is nothing to read and nothing to request."""

    def __init__(
        self,
        billing: BillingService,
        reconciliation: ReconciliationService,
        clock: Clock,
        exceptions: ExceptionsOfKind,
        jobs: ReconciliationJobs | None = None,
    ) -> None:
        self._billing = billing
        self._reconciliation = reconciliation
        self._clock = clock
        self._exceptions = exceptions
        self._jobs = jobs

    def now(self) -> datetime:
        """The hub's clock (simulated under the sandbox), so ages read in business time."""
        return self._clock()

    def invoices(self) -> list[dict[str, Any]]:
        """Every issued document, newest first, as the invoice list shows it, with the
        customer's name beside its id. Reads the document rows and the firm-wide data,
        not the whole book."""
        names = {c.id: c.name for c in self._billing.firm_state().customers.values()}
        return [
            {**shown, "customer_name": names.get(shown["customer"])}
            for shown in reversed([render_document(d) for d in self._billing.documents()])
        ]

    def reconciliation(self) -> Mapping[str, Any]:
        """The last reconciliation run's discrepancies and when it ran (see
        `ReconciliationJobs.latest`); it reads, it never reconciles."""
        if self._jobs is None:
            return {"discrepancies": [], "ran_at": None, "last_run": None, "pending": None}
        return self._jobs.latest()

    def request_reconciliation(self, requested_by: str) -> Mapping[str, Any]:
        """Ask for a reconciliation run: the job to poll (the one under way, if any)."""
        if self._jobs is None:
            raise ActionNotAvailable("this hub does not run reconciliation jobs")
        return self._jobs.request(requested_by).summary()

    def reconciliation_run(self, run_id: int) -> Mapping[str, Any] | None:
        """One reconciliation job's status (None when there is no such job)."""
        job = None if self._jobs is None else self._jobs.run(run_id)
        return None if job is None else job.summary()

    def leakage(self) -> Mapping[str, Any]:
        """Revenue leakage now, with the unbilled time the last reconciliation run found
        in the PSA and the hub does not hold (see `accord.domain.reconciliation.unbilled`)."""
        return self._leakage().to_dict()

    def _leakage(self) -> LeakageReport:
        reported = [] if self._jobs is None else self._jobs.latest()["discrepancies"]
        return self._reconciliation.leakage(self._clock().date(), reported_unbilled_time(reported))

    def lineage(self, invoice_number: str) -> Mapping[str, Any] | None:
        """Each line of a document back to its time entries, rate version and term; reads
        the document, the entries billed on it and the firm-wide data only."""
        state = self._billing.document_state(invoice_number)
        document = state.ledger.documents.get(invoice_number)
        if document is None:
            return None
        entries = sorted(self._billing.billed_on(invoice_number), key=lambda e: e.entry)
        rendered = render_document(document)
        customer = state.customers.get(document.customer)
        rendered["customer_name"] = None if customer is None else customer.name
        for line, shown in zip(document.lines, rendered["lines"], strict=True):
            is_time = line.kind is LineKind.TIME
            shown["time_entries"] = [
                _entry_lineage(e)
                for e in entries
                if is_time and e.term == line.term and e.unit_price == line.unit_price
            ]
            shown["entry"] = line.entry
            shown["reference"] = line.reference
        return rendered

    def kpis(self) -> Mapping[str, Any]:
        """Documents by status and billed value by currency, and the business KPIs:
        contract activation time, invoice cycle time (hours), first-time posting accuracy
        and billed vs approved by currency (see `accord.domain.kpis`); per month, the
        queue's effort and backlog-to-billing conversion (`accord.domain.kpi_periods`).
        Reads the document rows, the signing days, and the rest of the book a chunk of
        contracts at a time: never the whole book."""
        documents = list(self._billing.documents())
        approved, hours = ApprovedWork(), list[ValuedHour]()
        activated: dict[str, datetime] = {}
        posted: dict[str, datetime] = {}
        for book in self._billing.books_by_contracts():
            approved += approved_work(book.state)
            hours += valued_hours(book.state)
            activated |= book.activated_at
            posted |= book.posted_at
        troubled = _posting_troubles(
            record for kind in POSTING_TROUBLE for record in self._exceptions(kind)
        )
        leakage = self._leakage()
        unbilled = [i.key for i in leakage.items if i.source is LeakageSource.UNBILLED_TIME]
        held = self._billing.held_among(unbilled)
        signed = self._billing.signed_contracts()
        return {
            **_billing_totals(documents),
            "contract_activation": activation_timings(signed, activated).to_dict(),
            "invoice_cycle": invoice_cycle_timings(documents, posted).to_dict(),
            "first_time_posting": first_time_posting(documents, troubled).to_dict(),
            "billed_vs_approved": [
                row.to_dict() for row in billed_vs_approved_of(approved, documents, leakage, held)
            ],
            **self._monthly(documents, hours),
        }

    def _monthly(
        self, documents: Sequence[Document], hours: Sequence[ValuedHour]
    ) -> dict[str, Any]:
        periods = recent_periods(self._clock().date(), KPI_MONTHS)
        times = [
            (record.created_at, record.resolved_at)
            for kind in ExceptionKind
            for record in self._exceptions(kind)
        ]
        return {
            "queue_effort": [row.to_dict() for row in queue_effort(times, periods)],
            "backlog_conversion": [
                row.to_dict() for row in backlog_conversion_of(hours, documents, periods)
            ],
            "disputes": [row.to_dict() for row in disputes(documents, periods)],
        }
