"""The steps of contract-to-cash that change other systems, as application use cases.

Durable flows call these one step at a time. Each step is idempotent by business key (the
same document reaches each system once, whatever is retried) and reports a gateway
failure as a value, so the flow can record it, open an exception and wait for the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

from accord.application.billing import BillingService
from accord.application.contention import StoreBusy
from accord.application.document_mapping import to_invoice
from accord.application.exception_service import ExceptionService
from accord.application.flow_events import FlowChanges
from accord.application.gateways import (
    BatchPosting,
    BillingGateway,
    CrmGateway,
    ErpGateway,
    PostedDocument,
    PsaGateway,
    is_gateway_failure,
)
from accord.application.ports import AppliedRecords
from accord.application.posting_batch import PostingBatcher
from accord.application.posting_corrections import approved_posting
from accord.canonical import v1
from accord.canonical.base import CanonicalModel
from accord.domain.activation import Compensation
from accord.domain.billing.documents import Document, DocumentStatus
from accord.domain.billing.posting_check import DocumentTotals, posting_mismatch
from accord.domain.billing.posting_order import failed_posting_kind, ready_to_post
from accord.domain.billing.run import InvoiceRunResult
from accord.domain.exceptions import (
    BusinessException,
    ExceptionKind,
    failed_step_kind,
    transient_class,
)

M = TypeVar("M", bound=CanonicalModel)
STORE = "store"
"""The system named on the exception of a step the hub's own store kept refusing."""


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What one step did: done, or failed with the exception kind it amounts to."""

    done: bool
    kind: str | None = None
    reason: str | None = None
    system: str | None = None

    @classmethod
    def ok(cls) -> StepOutcome:
        return cls(True)

    @classmethod
    def store_busy(cls, error: StoreBusy) -> StepOutcome:
        """A step the hub's own store kept refusing past the step's retry budget: the
        integration team sees the contention, and the flow retries like on an outage."""
        reason = f"store: busy with other work past the step's retries ({error})"
        return cls(False, ExceptionKind.SYSTEM_UNAVAILABLE.value, reason, STORE)


def document_write_key(system: str, operation: str, number: str) -> str:
    """The key a system receives for a document: stable across retries and replays, and
    readable (`accord:<system>:<operation>:<number>`). Not the SDK's hashed
    `idempotency_key`: systems already hold these keys, so their shape never changes."""
    return f"accord:{system}:{operation}:{number}"


def _rejected() -> ExceptionKind:
    return ExceptionKind.POSTING_REJECTED


def _attempt(
    system: str, call: Callable[[], object], refusal: Callable[[], ExceptionKind] = _rejected
) -> StepOutcome:
    """Run one gateway call; a failure becomes `system_unavailable` when retryable, else
    what `refusal()` says a refusal of this call amounts to."""
    try:
        call()
    except Exception as error:
        if not is_gateway_failure(error):
            raise
        kind = ExceptionKind.SYSTEM_UNAVAILABLE if error.retryable else refusal()
        return StepOutcome(False, kind.value, f"{system}: {error.reason}", system)
    return StepOutcome.ok()


@dataclass(frozen=True, slots=True)
class Gateways:
    erp: ErpGateway
    billing: BillingGateway
    psa: PsaGateway
    crm: CrmGateway
    erp_batch: BatchPosting | None = None
    """The ERP's `BatchPosting`, when it offers one: concurrent postings share calls."""


class ErpPosting(Protocol):
    """What the ERP step posts through: the gateway, or a batcher over its batches."""

    def post_invoice(self, invoice: v1.Invoice, idempotency_key: str) -> PostedDocument: ...


class ContractToCash:
    """Activate contracts, issue documents, carry them to billing, ERP, PSA and CRM."""

    def __init__(
        self,
        billing: BillingService,
        exceptions: ExceptionService,
        gateways: Gateways,
        records: AppliedRecords,
        changes: FlowChanges | None = None,
    ) -> None:
        self.billing = billing
        self.exceptions = exceptions
        self.gateways = gateways
        self._records = records
        self._changes = changes
        batch = getattr(gateways, "erp_batch", None)  # no gateways: a use case that needs none
        self._batcher = PostingBatcher(batch) if batch else None

    def _changed(
        self,
        outcome: StepOutcome,
        name: str,
        subject: str,
        after: Mapping[str, Any],
        before: Mapping[str, Any] | None = None,
        occurrence: str = "",
    ) -> StepOutcome:
        """Audit and announce what a step changed in another system, once it succeeded
        (see `flow_events.FLOW_EVENTS`; `occurrence` as in `FlowChanges.record`)."""
        if outcome.done and self._changes is not None:
            self._changes.record(name, subject, after, before, occurrence)
        return outcome

    def _record(self, model: type[M], key: str) -> M:
        stored = self._records.get(model.SCHEMA_NAME, key)
        if stored is None:
            raise KeyError(f"no {model.SCHEMA_NAME} {key!r} has been applied")
        return model.model_validate_json(stored.data)

    def _known(self, model: type[M], key: str) -> M | None:
        stored = self._records.get(model.SCHEMA_NAME, key)
        return None if stored is None else model.model_validate_json(stored.data)

    def _project(self, contract: v1.Contract) -> v1.Project:
        customer = self._record(v1.Customer, contract.customer)
        return v1.Project(
            id=contract.id,
            contract=contract.id,
            name=f"{customer.name} {contract.id}",
            customer=contract.customer,
            entity=contract.entity,
            start=contract.start,
            end=contract.end,
        )

    def set_up_in_erp(self, contract_id: str) -> StepOutcome:
        """The ERP knows the customer and the project before any invoice reaches it.
        A customer the CRM has not reported yet (its feed lags the CLM's) is an unknown
        reference the flow waits on, retried until the customer arrives."""
        contract = self._record(v1.Contract, contract_id)
        customer = self._known(v1.Customer, contract.customer)
        if customer is None:
            reason = f"customer {contract.customer} of contract {contract_id} is not known yet"
            return StepOutcome(False, ExceptionKind.UNKNOWN_REFERENCE.value, reason, "crm")

        def write() -> None:
            self.gateways.erp.upsert_customer(customer)
            self.gateways.erp.upsert_project(self._project(contract))

        after = {"customer": customer.id, "project": contract.id}
        return self._changed(_attempt("erp", write), "contract.set_up_in_erp", contract_id, after)

    def publish_terms(self, contract_id: str) -> StepOutcome:
        contract = self._record(v1.Contract, contract_id)
        outcome = _attempt("billing", lambda: self.gateways.billing.publish_terms(contract))
        after = {
            "contract": contract.id,
            "terms": len(contract.terms),
            "currency": contract.currency,
        }
        return self._changed(outcome, "contract.terms_published", contract_id, after)

    def provision_in_psa(self, contract_id: str) -> StepOutcome:
        """The PSA holds the project and its rate card before anyone books time on it."""
        contract = self._record(v1.Contract, contract_id)
        project = self._project(contract)

        def write() -> None:
            self.gateways.psa.provision_project(project, contract)
            self.gateways.psa.publish_rates(contract)

        outcome = _attempt("psa", write)
        return self._changed(
            outcome, "contract.provisioned_in_psa", contract_id, {"project": project.id}
        )

    def publish_rates_in_psa(self, contract_id: str) -> StepOutcome:
        """The PSA's rate card follows the contract's terms as they stand (amendments)."""
        contract = self._record(v1.Contract, contract_id)
        outcome = _attempt("psa", lambda: self.gateways.psa.publish_rates(contract))
        after = {"contract": contract.id, "version": contract.version}
        return self._changed(outcome, "contract.rates_published_in_psa", contract_id, after)

    def compensate(self, contract_id: str, compensation: Compensation) -> StepOutcome:
        """Set one system back after a rejected activation (safe to repeat)."""
        system, undo = {
            Compensation.DEACTIVATE_ERP_PROJECT: ("erp", self.gateways.erp.deactivate_project),
            Compensation.WITHDRAW_BILLING_TERMS: ("billing", self.gateways.billing.withdraw_terms),
            Compensation.CLOSE_PSA_PROJECT: ("psa", self.gateways.psa.close_project),
            Compensation.WITHDRAW_CRM_ACTIVATION: ("crm", self.gateways.crm.withdraw_activation),
        }[compensation]
        after = {"contract": contract_id, "compensation": compensation.value, "system": system}
        outcome = _attempt(system, lambda: undo(contract_id))
        return self._changed(outcome, "contract.compensated", contract_id, after)

    def withdraw(self, contract_id: str) -> None:
        """Billing bills nothing more on a contract whose activation was set back."""
        on = self.billing.withdraw(contract_id)
        after = {"contract": contract_id, "withdrawn_on": on.isoformat()}
        self._changed(StepOutcome(True), "contract.withdrawn", contract_id, after)

    def amendments_due(self) -> dict[str, int]:
        """Contracts whose amended terms have not reached billing and the PSA yet, with
        the contract version that amended them last."""
        return self.billing.amendments_due()

    def amendment_propagated(self, contract_id: str, version: int) -> None:
        """Billing and the PSA hold the terms as amended by contract `version`."""
        self.billing.amendment_propagated(contract_id, version)
        after = {"contract": contract_id, "version": version}
        self._changed(
            StepOutcome.ok(), "contract.amendment_published", contract_id, after, None, str(version)
        )

    def is_activated(self, contract_id: str) -> bool:
        """Whether the contract's activation finished (every system holds it)."""
        return self.billing.is_activated(contract_id)

    def confirm_in_crm(self, contract_id: str) -> StepOutcome:
        contract = self._record(v1.Contract, contract_id)
        outcome = _attempt("crm", lambda: self.gateways.crm.confirm_activation(contract))
        after = {"contract": contract.id}
        return self._changed(outcome, "contract.activation_confirmed", contract_id, after)

    def issue_prepayment(self, contract_id: str) -> list[str]:
        """A retainer's prepayment document, dated on the signing day (once)."""
        result = self.billing.sign(
            contract_id, lambda signed: self._issued(signed, signed.state.signed[contract_id])
        )
        return [document.number for document in result.documents]

    def record_activation(self, contract_id: str) -> None:
        """Every system holds the contract: note when, for the activation time KPI."""
        self.billing.mark_activated(contract_id)

    def issue(self, through: date, contract: str | None = None) -> list[str]:
        """Run the billing engine; record what blocks a document as an exception. The
        documents, their `document.issued` audit rows and events and the exceptions commit
        in one transaction, so a crash leaves all of them or none (and a recovered run,
        finding nothing left to issue, owes nothing)."""
        result = self.billing.run_invoices(
            through, contract, lambda issued: self._issued(issued, through)
        )
        return [document.number for document in result.documents]

    def _issued(self, result: InvoiceRunResult, through: date) -> None:
        for problem in result.exceptions:
            self.exceptions.open(problem, {"through": through.isoformat()})
        self._close_resolved_blocks(result)
        for document in result.documents:
            after = {
                "contract": document.contract,
                "kind": str(document.kind),
                "currency": document.currency,
                "total": str(document.gross_total),
            }
            self._changed(StepOutcome.ok(), "document.issued", document.number, after)

    def _close_resolved_blocks(self, result: InvoiceRunResult) -> None:
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
            for record in self.exceptions.open_records(kind=kind):
                if (
                    record.subject in covered
                    and (record.kind, record.subject) not in open_now
                    and (kind is ExceptionKind.CAP_REACHED or record.subject in issued_for)
                ):
                    self.exceptions.close(record.kind, record.subject, "cause gone")

    def awaiting_posting(self) -> list[str]:
        """Issued documents not yet confirmed by the ERP whose contract is active
        everywhere (the ERP holds its customer: `posting_order`), in issue order."""
        return self._ready_to_post(None)

    def posting_after_activation(self, contract: str) -> list[str]:
        """The contract's documents waiting for its activation to be posted: those
        `awaiting_posting` lists, of this contract only."""
        return self._ready_to_post(contract)

    def _ready_to_post(self, contract: str | None) -> list[str]:
        issued = [
            d
            for d in self.billing.documents(DocumentStatus.ISSUED)
            if contract in (None, d.contract)
        ]
        contracts = {d.contract for d in issued}
        activated = {c for c in contracts if self.billing.is_activated(c)}
        return [d.number for d in issued if ready_to_post(d.contract, activated)]

    def _document(self, number: str) -> Document:
        document = self.billing.document(number)
        if document is None:
            raise KeyError(f"no issued document {number}")
        return document

    def record_in_billing(self, number: str) -> StepOutcome:
        invoice = to_invoice(self._document(number))
        key = document_write_key("billing", "record", number)
        outcome = _attempt("billing", lambda: self.gateways.billing.record_invoice(invoice, key))
        after = {"idempotency_key": key}
        return self._changed(outcome, "document.recorded_in_billing", number, after)

    def post_to_erp(self, number: str) -> StepOutcome:
        """Post the document to the ERP once, then check that the ledger agrees with it.
        After the ERP refused it, the posting a second person approved as corrected on the
        open `posting_rejected` exception is sent instead (same key: posted once). A
        refusal before the contract's activation finished waits as an unknown reference,
        retried on its own (`posting_order.failed_posting_kind`)."""
        document = self._document(number)
        refused = self.exceptions.find_open(ExceptionKind.POSTING_REJECTED, number)
        invoice = approved_posting(refused) or to_invoice(document)
        key = document_write_key("erp", "post", number)
        posted: list[PostedDocument] = []

        def refusal() -> ExceptionKind:
            active = self.is_activated(document.contract)
            return failed_posting_kind(retryable=False, contract_active=active)

        outcome = _attempt(
            "erp", lambda: posted.append(self._erp_posting().post_invoice(invoice, key)), refusal
        )
        if posted:
            self._check_ledger(document, posted[0].totals)
        return self._changed(outcome, "document.posted_to_erp", number, {"idempotency_key": key})

    def _erp_posting(self) -> ErpPosting:
        """Where the ERP step posts: the batcher over the ERP's batches, else the ERP."""
        return self._batcher or self.gateways.erp

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
        if mismatch is None:
            self.exceptions.close(ExceptionKind.POSTING_MISMATCH, document.number, "ledger agrees")
            return
        details = {"system": "erp", "issued": issued.as_details(), "erp": held.as_details()}
        self.exceptions.open(mismatch, details)

    def mark_posted(self, number: str) -> None:
        """The document is posted in billing's state; its audit row commits with it."""
        self._document(number)

        def recorded(before: Document, after: Document) -> None:
            was, now = {"status": str(before.status)}, {"status": str(after.status)}
            self._changed(StepOutcome.ok(), "document.posted", number, now, was)

        self.billing.mark_posted(number, recorded)

    def write_back(self, number: str) -> StepOutcome:
        """Tell the PSA which entries the document billed and the CRM its status."""
        document = self._document(number)
        entries = self.billing.entries_billed_on(number)
        if entries:
            outcome = _attempt("psa", lambda: self.gateways.psa.mark_invoiced(entries, number))
            if not outcome.done:
                return outcome
        status = v1.InvoiceStatus(document.status.value)
        outcome = _attempt("crm", lambda: self.gateways.crm.record_invoice_status(number, status))
        after = {"time_entries": len(entries), "status": str(status)}
        return self._changed(outcome, "document.written_back", number, after)

    def mirror_payment(self, payment: v1.Payment) -> StepOutcome:
        """Billing and the CRM record a payment the ERP reported, and the invoice's new
        status; each write is keyed by the payment id, so repeats change nothing."""

        def write() -> None:
            self.gateways.billing.record_payment(payment)
            self.gateways.crm.record_payment(payment)
            document = self.billing.document(payment.invoice) if payment.invoice else None
            if document is not None:
                status = v1.InvoiceStatus(document.status.value)
                self.gateways.crm.record_invoice_status(document.number, status)

        applied_to = self.billing.document(payment.invoice) if payment.invoice else None
        after = {
            "invoice": payment.invoice or "",
            "amount": str(payment.amount),
            "currency": payment.currency,
            "invoice_status": str(applied_to.status) if applied_to else "unknown",
        }
        return self._changed(_attempt("billing", write), "payment.fed_back", payment.id, after)

    def payments_due(self) -> list[v1.Payment]:
        """Payments billing applied whose feedback to billing and the CRM is unfinished."""
        return [self._record(v1.Payment, key) for key in self.billing.payments_to_feed_back()]

    def payment_fed_back(self, payment_id: str) -> None:
        self.billing.payment_fed_back(payment_id)

    def open_failure(
        self, subject: str, outcome: StepOutcome, workflow_id: str, compensable: bool = False
    ) -> None:
        """Record a failed step; the flow waiting on it is named so an action resumes it.
        `compensable`: the flow can undo what it did, so a person may reject it."""
        kind = failed_step_kind(outcome.kind)
        problem = BusinessException(kind, subject, outcome.reason or "step failed")
        details: dict[str, object] = {"workflow_id": workflow_id, "system": outcome.system}
        if kind is ExceptionKind.SYSTEM_UNAVAILABLE:
            details["transient_class"] = str(transient_class(problem.message))
        if compensable:
            details["compensable"] = True
        self.exceptions.open(problem, details)

    def close_failure(self, subject: str, note: str = "step succeeded") -> None:
        """Close the failures about `subject`; `note` says how it ended (a step that
        succeeded, or a rejection and what it set back). An unknown reference is closed
        only when a flow opened it (billing opens its own about records it could not
        apply, which a flow's success does not settle)."""
        for kind in (
            ExceptionKind.SYSTEM_UNAVAILABLE,
            ExceptionKind.POSTING_REJECTED,
            ExceptionKind.EINVOICE_INVALID,
        ):
            self.exceptions.close(kind, subject, note)
        unknown = self.exceptions.find_open(ExceptionKind.UNKNOWN_REFERENCE, subject)
        if unknown is not None and unknown.details.get("workflow_id"):
            self.exceptions.close(ExceptionKind.UNKNOWN_REFERENCE, subject, note)
