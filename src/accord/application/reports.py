"""Read models behind the dashboard and the experience API: reconciliation, leakage,
invoice lineage and business KPIs, computed from the hub's own state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from accord.application.billing import BillingService
from accord.application.clock import Clock
from accord.application.reconciliation import ReconciliationService
from accord.domain.billing.documents import DocumentKind, DocumentStatus, LineKind
from accord.domain.billing.ledger import BilledEntry
from accord.domain.billing.report import format_amount, render_document, render_documents


def _entry_lineage(entry: BilledEntry) -> dict[str, str]:
    kind, key, valid_from = entry.rate_key
    return {
        "entry": entry.entry,
        "hours": f"{entry.hours:.2f}",
        "work_date": entry.work_date.isoformat(),
        "rate_version": f"{kind} {key} from {valid_from.isoformat()}",
    }


class HubReports:
    def __init__(
        self, billing: BillingService, reconciliation: ReconciliationService, clock: Clock
    ) -> None:
        self._billing = billing
        self._reconciliation = reconciliation
        self._clock = clock

    def now(self) -> datetime:
        """The hub's clock (simulated under the sandbox), so ages read in business time."""
        return self._clock()

    def invoices(self) -> list[dict[str, Any]]:
        """Every issued document, newest first, as the invoice list shows it."""
        return list(reversed(render_documents(self._billing.state())))

    def reconciliation(self) -> Mapping[str, Any]:
        return self._reconciliation.run(self._clock().date()).to_dict()

    def leakage(self) -> Mapping[str, Any]:
        return self._reconciliation.leakage(self._clock().date()).to_dict()

    def lineage(self, invoice_number: str) -> Mapping[str, Any] | None:
        """Each line of a document back to its time entries, rate version and term."""
        state = self._billing.state()
        document = state.ledger.documents.get(invoice_number)
        if document is None:
            return None
        entries = sorted(
            (e for e in state.ledger.entries.values() if e.invoice == invoice_number),
            key=lambda e: e.entry,
        )
        rendered = render_document(document)
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
        """Billed value by currency, documents by status and first-time posting share."""
        documents = list(self._billing.state().ledger.documents.values())
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
