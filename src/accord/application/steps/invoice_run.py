"""The invoice run's steps: documents issued for a period, and the ones still to post."""

from __future__ import annotations

from datetime import date

from accord.application.steps.context import StepContext, StepOutcome
from accord.domain.billing.run import InvoiceRunResult
from accord.domain.exceptions import ExceptionKind


class InvoiceRun:
    """Issue documents through a date, and list those ready for the ERP."""

    def __init__(self, context: StepContext) -> None:
        self.context = context

    def issue(self, through: date, contract: str | None = None) -> list[str]:
        """Run the billing engine; record what blocks a document as an exception. The
        documents, their `document.issued` audit rows and events and the exceptions commit
        in one transaction, so a crash leaves all of them or none (and a recovered run,
        finding nothing left to issue, owes nothing)."""
        result = self.context.billing.run_invoices(
            through, contract, lambda issued: record_issue(self.context, issued, through)
        )
        return [document.number for document in result.documents]

    def awaiting_posting(self) -> list[str]:
        """Issued documents not yet confirmed by the ERP whose contract is active
        everywhere (the ERP holds its customer: `posting_order`), in issue order."""
        return self.context.ready_to_post(None)


def record_issue(context: StepContext, result: InvoiceRunResult, through: date) -> None:
    """Open what blocks a document, close what no longer does, and audit each document
    issued (inside the transaction that issues them)."""
    for problem in result.exceptions:
        context.exceptions.open(problem, {"through": through.isoformat()})
    _close_resolved_blocks(context, result)
    for document in result.documents:
        after = {
            "contract": document.contract,
            "kind": str(document.kind),
            "currency": document.currency,
            "total": str(document.gross_total),
        }
        context.changed(StepOutcome.ok(), "document.issued", document.number, after)


def _close_resolved_blocks(context: StepContext, result: InvoiceRunResult) -> None:
    """Close what the run no longer raises on the contracts it looked at (and no
    others: a run over a chunk of contracts says nothing about the rest): a cap
    hold gone, or a missing tax rule or FX rate now that the contract issued."""
    covered = set(result.contracts)
    if not covered:
        return
    open_now = {(p.kind, p.subject) for p in result.exceptions}
    issued_for = {d.contract for d in result.documents}
    blocking = (ExceptionKind.MISSING_TAX_RULE, ExceptionKind.MISSING_FX_RATE)
    for kind in (*blocking, ExceptionKind.CAP_REACHED):
        for record in context.exceptions.open_records(kind=kind):
            if (
                record.subject in covered
                and (record.kind, record.subject) not in open_now
                and (kind is ExceptionKind.CAP_REACHED or record.subject in issued_for)
            ):
                context.exceptions.close(record.kind, record.subject, "cause gone")
