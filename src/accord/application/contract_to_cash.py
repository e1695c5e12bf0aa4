"""The steps of contract-to-cash that change other systems, as application use cases.

Durable flows call these one step at a time. Each step is idempotent by business key (the
same document reaches each system once, whatever is retried) and reports a gateway
failure as a value, so the flow can record it, open an exception and wait for the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from accord.application.billing import BillingService
from accord.application.document_mapping import to_invoice
from accord.application.exception_service import ExceptionService
from accord.application.gateways import (
    BillingGateway,
    CrmGateway,
    ErpGateway,
    PsaGateway,
    is_gateway_failure,
)
from accord.application.ports import BusinessObject
from accord.canonical import v1
from accord.canonical.base import CanonicalModel
from accord.domain.billing.documents import Document, DocumentStatus
from accord.domain.billing.run import InvoiceRunResult
from accord.domain.exceptions import BusinessException, ExceptionKind

M = TypeVar("M", bound=CanonicalModel)


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


def idempotency_key(system: str, operation: str, number: str) -> str:
    """The key a system receives for a document: stable across retries and replays."""
    return f"accord:{system}:{operation}:{number}"


def _attempt(system: str, call: Callable[[], object]) -> StepOutcome:
    try:
        call()
    except Exception as error:
        if not is_gateway_failure(error):
            raise
        kind = (
            ExceptionKind.SYSTEM_UNAVAILABLE if error.retryable else ExceptionKind.POSTING_REJECTED
        )
        return StepOutcome(False, kind.value, f"{system}: {error.reason}", system)
    return StepOutcome.ok()


@dataclass(frozen=True, slots=True)
class Gateways:
    erp: ErpGateway
    billing: BillingGateway
    psa: PsaGateway
    crm: CrmGateway


class Records(Protocol):
    """Reads the applied canonical records (the event log's current state)."""

    def get(self, kind: str, key: str) -> BusinessObject | None: ...


class ContractToCash:
    """Activate contracts, issue documents, carry them to billing, ERP, PSA and CRM."""

    def __init__(
        self,
        billing: BillingService,
        exceptions: ExceptionService,
        gateways: Gateways,
        records: Records,
    ) -> None:
        self.billing = billing
        self.exceptions = exceptions
        self.gateways = gateways
        self._records = records

    def _record(self, model: type[M], key: str) -> M:
        stored = self._records.get(model.SCHEMA_NAME, key)
        if stored is None:
            raise KeyError(f"no {model.SCHEMA_NAME} {key!r} has been applied")
        return model.model_validate_json(stored.data)

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
        """The ERP knows the customer and the project before any invoice reaches it."""
        contract = self._record(v1.Contract, contract_id)
        customer = self._record(v1.Customer, contract.customer)

        def write() -> None:
            self.gateways.erp.upsert_customer(customer)
            self.gateways.erp.upsert_project(self._project(contract))

        return _attempt("erp", write)

    def publish_terms(self, contract_id: str) -> StepOutcome:
        contract = self._record(v1.Contract, contract_id)
        return _attempt("billing", lambda: self.gateways.billing.publish_terms(contract))

    def provision_in_psa(self, contract_id: str) -> StepOutcome:
        contract = self._record(v1.Contract, contract_id)
        project = self._project(contract)
        return _attempt("psa", lambda: self.gateways.psa.provision_project(project, contract))

    def confirm_in_crm(self, contract_id: str) -> StepOutcome:
        contract = self._record(v1.Contract, contract_id)
        return _attempt("crm", lambda: self.gateways.crm.confirm_activation(contract))

    def issue_prepayment(self, contract_id: str) -> list[str]:
        """A retainer's prepayment document, dated on the signing day (once)."""
        result = self.billing.sign(contract_id)
        signed_on = result.state.signed[contract_id]
        return self._issued(result, signed_on)

    def issue(self, through: date, contract: str | None = None) -> list[str]:
        """Run the billing engine; record what blocks a document as an exception."""
        return self._issued(self.billing.run_invoices(through, contract), through)

    def _issued(self, result: InvoiceRunResult, through: date) -> list[str]:
        for problem in result.exceptions:
            self.exceptions.open(problem, {"through": through.isoformat()})
        self._close_resolved_blocks(result.exceptions, {d.contract for d in result.documents})
        return [document.number for document in result.documents]

    def _close_resolved_blocks(
        self, still: Sequence[BusinessException], issued_for: set[str]
    ) -> None:
        open_now = {(p.kind, p.subject) for p in still}
        blocking = (ExceptionKind.MISSING_TAX_RULE, ExceptionKind.MISSING_FX_RATE)
        for kind in (*blocking, ExceptionKind.CAP_REACHED):
            for record in self.exceptions.open_records(kind=kind):
                if (record.kind, record.subject) not in open_now and (
                    kind is ExceptionKind.CAP_REACHED or record.subject in issued_for
                ):
                    self.exceptions.close(record.kind, record.subject, "cause gone")

    def awaiting_posting(self) -> list[str]:
        """Issued documents not yet confirmed by the ERP, in issue order."""
        return [d.number for d in self.billing.documents() if d.status is DocumentStatus.ISSUED]

    def _document(self, number: str) -> Document:
        document = self.billing.document(number)
        if document is None:
            raise KeyError(f"no issued document {number}")
        return document

    def record_in_billing(self, number: str) -> StepOutcome:
        invoice = to_invoice(self._document(number))
        key = idempotency_key("billing", "record", number)
        return _attempt("billing", lambda: self.gateways.billing.record_invoice(invoice, key))

    def post_to_erp(self, number: str) -> StepOutcome:
        invoice = to_invoice(self._document(number))
        key = idempotency_key("erp", "post", number)
        return _attempt("erp", lambda: self.gateways.erp.post_invoice(invoice, key))

    def mark_posted(self, number: str) -> None:
        self.billing.mark_posted(number)

    def write_back(self, number: str) -> StepOutcome:
        """Tell the PSA which entries the document billed and the CRM its status."""
        document = self._document(number)
        entries = self.billing.entries_billed_on(number)
        if entries:
            outcome = _attempt("psa", lambda: self.gateways.psa.mark_invoiced(entries, number))
            if not outcome.done:
                return outcome
        status = v1.InvoiceStatus(document.status.value)
        return _attempt("crm", lambda: self.gateways.crm.record_invoice_status(number, status))

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

        return _attempt("billing", write)

    def open_failure(self, subject: str, outcome: StepOutcome, workflow_id: str) -> None:
        """Record a failed step; the flow waiting on it is named so an action resumes it."""
        kind = ExceptionKind(outcome.kind or ExceptionKind.SYSTEM_UNAVAILABLE.value)
        problem = BusinessException(kind, subject, outcome.reason or "step failed")
        self.exceptions.open(problem, {"workflow_id": workflow_id, "system": outcome.system})

    def close_failure(self, subject: str) -> None:
        for kind in (ExceptionKind.SYSTEM_UNAVAILABLE, ExceptionKind.POSTING_REJECTED):
            self.exceptions.close(kind, subject, "step succeeded")
