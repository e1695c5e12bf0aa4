"""The posting's steps: an issued document carried to billing and the ERP, then written
back to the PSA and the CRM."""

from __future__ import annotations

from typing import Protocol

from accord.application.document_mapping import to_invoice
from accord.application.gateways import PostedDocument
from accord.application.posting_batch import PostingBatcher
from accord.application.posting_corrections import approved_posting
from accord.application.steps.context import (
    StepContext,
    StepOutcome,
    attempt,
    document_write_key,
)
from accord.canonical import v1
from accord.domain.billing.documents import Document
from accord.domain.billing.posting_check import DocumentTotals, posting_mismatch
from accord.domain.billing.posting_order import failed_posting_kind
from accord.domain.exceptions import ExceptionKind


class ErpPosting(Protocol):
    """What the ERP step posts through: the gateway, or a batcher over its batches."""

    def post_invoice(self, invoice: v1.Invoice, idempotency_key: str) -> PostedDocument: ...


class DocumentPosting:
    """Record a document in billing, post it to the ERP, mark it posted, write it back."""

    def __init__(self, context: StepContext) -> None:
        self.context = context
        batch = context.gateways.erp_batch
        self._batcher = PostingBatcher(batch) if batch else None

    def record_in_billing(self, number: str) -> StepOutcome:
        invoice = to_invoice(self.context.document(number))
        key = document_write_key("billing", "record", number)
        billing = self.context.gateways.billing
        outcome = attempt("billing", lambda: billing.record_invoice(invoice, key))
        after = {"idempotency_key": key}
        return self.context.changed(outcome, "document.recorded_in_billing", number, after)

    def post_to_erp(self, number: str) -> StepOutcome:
        """Post the document to the ERP once, then check that the ledger agrees with it.
        After the ERP refused it, the posting a second person approved as corrected on the
        open `posting_rejected` exception is sent instead (same key: posted once). A
        refusal before the contract's activation finished waits as an unknown reference,
        retried on its own (`posting_order.failed_posting_kind`)."""
        document = self.context.document(number)
        refused = self.context.exceptions.find_open(ExceptionKind.POSTING_REJECTED, number)
        invoice = approved_posting(refused) or to_invoice(document)
        key = document_write_key("erp", "post", number)
        posted: list[PostedDocument] = []

        def refusal() -> ExceptionKind:
            active = self.context.billing.is_activated(document.contract)
            return failed_posting_kind(retryable=False, contract_active=active)

        outcome = attempt(
            "erp", lambda: posted.append(self._erp_posting().post_invoice(invoice, key)), refusal
        )
        if posted:
            self._check_ledger(document, posted[0].totals)
        after = {"idempotency_key": key}
        return self.context.changed(outcome, "document.posted_to_erp", number, after)

    def _erp_posting(self) -> ErpPosting:
        """Where the ERP step posts: the batcher over the ERP's batches, else the ERP."""
        return self._batcher or self.context.gateways.erp

    def _check_ledger(self, document: Document, held: DocumentTotals | None) -> None:
        """Open a `posting_mismatch` when the ERP's own totals differ from the issued
        document's (both figures in the details); close it once they agree again. An ERP
        that reports no totals is left to reconciliation."""
        if held is None:
            return
        issued = DocumentTotals(
            document.currency, document.net_total, document.tax_total, document.gross_total
        )
        mismatch = posting_mismatch(document.number, issued, held)
        exceptions = self.context.exceptions
        if mismatch is None:
            exceptions.close(ExceptionKind.POSTING_MISMATCH, document.number, "ledger agrees")
            return
        details = {"system": "erp", "issued": issued.as_details(), "erp": held.as_details()}
        exceptions.open(mismatch, details)

    def mark_posted(self, number: str) -> None:
        """The document is posted in billing's state; its audit row commits with it."""
        self.context.document(number)

        def recorded(before: Document, after: Document) -> None:
            was, now = {"status": str(before.status)}, {"status": str(after.status)}
            self.context.changed(StepOutcome.ok(), "document.posted", number, now, was)

        self.context.billing.mark_posted(number, recorded)

    def write_back(self, number: str) -> StepOutcome:
        """Tell the PSA which entries the document billed and the CRM its status."""
        document = self.context.document(number)
        entries = self.context.billing.entries_billed_on(number)
        gateways = self.context.gateways
        if entries:
            outcome = attempt("psa", lambda: gateways.psa.mark_invoiced(entries, number))
            if not outcome.done:
                return outcome
        status = v1.InvoiceStatus(document.status.value)
        outcome = attempt("crm", lambda: gateways.crm.record_invoice_status(number, status))
        after = {"time_entries": len(entries), "status": str(status)}
        return self.context.changed(outcome, "document.written_back", number, after)
