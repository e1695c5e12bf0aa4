"""Ports to the external systems, one per role they play in contract-to-cash.

Each port is a `typing.Protocol` in canonical v1 terms. Connectors implement them
structurally (same method names and types, no import of this module, which the layer
rules forbid) and hand the implementations out through `Connector.ports()` under the
port's name, e.g. `{"ErpGateway": ...}`; `accord.bootstrap` plugs them in.

Every write is idempotent by business key: `post_invoice` and `record_invoice` take the
key the caller derived from the invoice's business keys, and the upserts are keyed by the
canonical object's id, so a retried or replayed call never creates a second record.

Reconciliation reads through three more ports, offered by the connectors of the systems
that hold such records: `ContractListing` (the contracts a system has set up),
`ProjectListing` (its delivery projects) and `PaymentListing` (the payments a mirror
system recorded). A connector without one leaves that comparison "not compared".

Ledger journals go through `JournalPosting`, which a connector offers beside its
`ErpGateway` when its ERP takes journal entries (Tryton: account moves); without it,
posting journals is reported as not supported.

Failures: a gateway raises errors that satisfy `GatewayFailure` (the connector SDK's
`RejectedError` and `UnavailableError` do). `exception_kind_for` says which business
exception a failed posting becomes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeGuard, runtime_checkable

from accord.canonical.v1 import (
    Contract,
    Customer,
    Invoice,
    InvoiceStatus,
    Payment,
    Project,
    Resource,
    TimeEntry,
)
from accord.canonical.v1.finance import LedgerPosting
from accord.domain.billing.posting_check import DocumentTotals
from accord.domain.exceptions import ExceptionKind
from accord.domain.reconciliation import ContractRecord, PaymentRecord, ProjectRecord


@runtime_checkable
class PostedDocument(Protocol):
    """A document as the target system holds it after a posting.

    `external_id` is the system's own id, `number` the business number (e.g.
    `INV-DE01-000001`), `status` the system's status word (e.g. `posted`, `paid`),
    `totals` the untaxed amount, tax and total the system computed and stored, in the
    issued document's sign (None when it does not report them).
    Connectors return `accord.connectors.sdk.PostedDocument`; any object with these
    attributes (a frozen dataclass in a test fake) will do.
    """

    @property
    def external_id(self) -> str: ...

    @property
    def number(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def totals(self) -> DocumentTotals | None: ...


class ErpGateway(Protocol):
    """The ledger of record: customers, projects, posted invoices and payments received."""

    def upsert_customer(self, customer: Customer) -> str:
        """Create or update the customer keyed by `customer.id`; return the ERP's id."""
        ...

    def upsert_project(self, project: Project) -> str:
        """Create or update the project (job) keyed by `project.id`; return the ERP's id."""
        ...

    def deactivate_project(self, project_id: str) -> None:
        """Compensation: mark the project inactive, so nothing more is booked on it for
        its customer. Repeating it, or a project the ERP never got, changes nothing."""
        ...

    def post_invoice(self, invoice: Invoice, idempotency_key: str) -> PostedDocument:
        """Post an issued document once; a repeat with the same key returns the first posting,
        with the totals the ERP holds for it (read back, not echoed), so the hub can check
        that the ledger agrees with the document.

        Raises a non-retryable `GatewayFailure` when the ERP refuses it (for example a
        missing mandatory dimension).
        """
        ...

    def get_invoice(self, number: str) -> PostedDocument | None:
        """The posted document with this business number, or None if the ERP has none."""
        ...

    def list_documents(self) -> Sequence[Invoice]:
        """Every document the ERP holds, read back from the ERP (for reconciliation)."""
        ...

    def list_payments(self, since: dt.date | None) -> Sequence[Payment]:
        """Payments received on or after `since` (all of them for None)."""
        ...


@runtime_checkable
class PostedJournal(Protocol):
    """A journal entry as the ERP holds it: its own id, the move number it gave the entry
    (empty until it numbers it) and its state word (e.g. `posted`)."""

    @property
    def external_id(self) -> str: ...

    @property
    def number(self) -> str: ...

    @property
    def status(self) -> str: ...


class JournalPosting(Protocol):
    """The ERP's general ledger: balanced journal entries booked once each."""

    def post_journal(self, posting: LedgerPosting) -> PostedJournal:
        """Book the entry keyed by `posting.document_number` and post it, once: a repeat
        (retry, crash, rerun) finds the first booking and returns it.

        Raises a non-retryable `GatewayFailure` when the ERP refuses it, e.g. its period
        is closed there or an account code is unknown (the reason says which)."""
        ...

    def posted_journals(self, document_numbers: Sequence[str]) -> Mapping[str, PostedJournal]:
        """The entries of these numbers the ERP holds, by number (absent: not booked)."""
        ...


class BillingGateway(Protocol):
    """The billing system: contract terms in, issued documents and payments mirrored."""

    def publish_terms(self, contract: Contract) -> None:
        """Create or update the contract's billing terms, keyed by `contract.id`."""
        ...

    def withdraw_terms(self, contract_id: str) -> None:
        """Compensation: withdraw the contract's billing terms so nothing is billed on
        them. Repeating it, or terms the system never got, changes nothing."""
        ...

    def record_invoice(self, invoice: Invoice, idempotency_key: str) -> str:
        """Record an issued document once; return the billing system's id for it."""
        ...

    def record_payment(self, payment: Payment) -> None:
        """Record a payment against its invoice, keyed by `payment.id`."""
        ...

    def list_documents(self) -> Sequence[Invoice]:
        """Every document the billing system holds."""
        ...


class PsaGateway(Protocol):
    """Professional services automation: projects, approved time, what got invoiced."""

    def provision_project(self, project: Project, contract: Contract) -> str:
        """Create or update the project for a signed contract; return the PSA's id."""
        ...

    def publish_rates(self, contract: Contract) -> None:
        """Set the project's rate card and not-to-exceed budgets from the contract's
        time-and-materials terms as they stand (after amendments), keyed by the project
        id (= `contract.id`); republishing the same terms changes nothing."""
        ...

    def close_project(self, project_id: str) -> None:
        """Compensation: close the project so no more time is booked on it. Repeating
        it, or a project the PSA never got, changes nothing."""
        ...

    def approved_time(self, since: dt.datetime | None) -> Sequence[TimeEntry]:
        """Time entries approved or changed after `since` (all of them for None).

        The hub prefers the connector's cursor-based stream for continuous ingest; this is
        the direct read used by flows and reconciliation.
        """
        ...

    def mark_invoiced(self, entry_ids: Sequence[str], invoice_number: str) -> None:
        """Record on each time entry the invoice that billed it; repeating is harmless."""
        ...

    def count_invoiced_entries(self) -> int:
        """How many time entries carry an invoice number, read back from the PSA."""
        ...


class CrmGateway(Protocol):
    """The CRM: the seller's view of the contract, its invoices and its payments."""

    def confirm_activation(self, contract: Contract) -> None:
        """Mark the opportunity / contract as active in the CRM, keyed by `contract.id`."""
        ...

    def withdraw_activation(self, contract_id: str) -> None:
        """Compensation: take back the activation (the contract shows as not activated).
        Repeating it, or a contract the CRM never got, changes nothing."""
        ...

    def record_invoice_status(self, number: str, status: InvoiceStatus) -> None:
        """Set the status of the invoice with this number as the CRM shows it."""
        ...

    def record_payment(self, payment: Payment) -> None:
        """Record a payment received, keyed by `payment.id`."""
        ...


class HrGateway(Protocol):
    """The HR system: who is employed by which entity, and at what cost, by date."""

    def list_workers(self) -> Sequence[Resource]:
        """Every worker with employment and cost-rate history."""
        ...

    def get_worker(self, resource_id: str) -> Resource | None:
        """One worker by id, or None if the HR system does not know them."""
        ...


class ClmGateway(Protocol):
    """Contract lifecycle management: the signed contracts and their terms."""

    def signed_contracts(self, since: dt.date | None) -> Sequence[Contract]:
        """Contracts signed or amended on or after `since` (all of them for None)."""
        ...

    def get_contract(self, contract_id: str) -> Contract | None:
        """One contract by id, or None if the CLM does not know it."""
        ...


class ContractListing(Protocol):
    """The contracts a system has set up (billing terms, a PSA or ERP project per
    contract, the CRM's contract), compared with the ones the CLM signed."""

    def contract_records(self) -> Sequence[ContractRecord]:
        """Every contract the system holds, keyed by Accord's contract id; fields the
        system does not keep are None. Raise when the system cannot be read."""
        ...


class ProjectListing(Protocol):
    """The delivery projects a system holds (PSA, ERP), compared between the two."""

    def project_records(self) -> Sequence[ProjectRecord]:
        """Every project, keyed by Accord's project id. Raise when it cannot be read."""
        ...


class PaymentListing(Protocol):
    """The payments a mirror system recorded (billing, CRM), compared with the ERP's."""

    def payment_records(self) -> Sequence[PaymentRecord]:
        """Every payment, keyed by the ERP's payment id. Raise when it cannot be read."""
        ...


class BatchPosting(Protocol):
    """An ERP that posts many documents per call (optional, beside `ErpGateway`)."""

    def post_invoices(
        self, batch: Sequence[tuple[Invoice, str]]
    ) -> Sequence[PostedDocument | Exception]:
        """Post each (document, idempotency key) once, as `ErpGateway.post_invoice`
        would; one outcome per document, in order: as posted, or the failure refusing
        it. Raise (a `GatewayFailure`) when the system could not be reached."""
        ...


BATCH_POSTING_PORT = "BatchPosting"
"""The name under which an ERP connector offers `BatchPosting` in `ports()`."""

JOURNAL_PORT = "JournalPosting"
"""The name under which an ERP connector offers `JournalPosting` in `ports()`."""

LISTING_PORTS: tuple[str, ...] = ("ContractListing", "ProjectListing", "PaymentListing")
"""The names under which a connector offers reconciliation's listings in `ports()`."""

PORT_FOR_SYSTEM: dict[str, str] = {
    "erp": "ErpGateway",
    "billing": "BillingGateway",
    "psa": "PsaGateway",
    "crm": "CrmGateway",
    "hr": "HrGateway",
    "clm": "ClmGateway",
}
"""The name under which a connector of each system role exposes its port in `ports()`."""


@runtime_checkable
class GatewayFailure(Protocol):
    """What the application needs to know about a failed gateway call.

    `retryable` is False for a business rejection (fix the data, then retry) and True when
    the system was unavailable or throttling after the connector's retries; `retry_after`
    is the wait the system asked for, if any. The connector SDK's errors satisfy this.
    """

    retryable: bool
    reason: str
    retry_after: float | None


def is_gateway_failure(error: BaseException) -> TypeGuard[GatewayFailure]:
    """Whether `error` came from a gateway and can be classified (see `GatewayFailure`)."""
    return isinstance(error, GatewayFailure)


def exception_kind_for(failure: GatewayFailure) -> ExceptionKind:
    """The business exception a failed ERP or billing posting becomes.

    A rejection goes to finance as `posting_rejected` with the system's reason; an outage
    that outlived the retry budget goes to integration as `system_unavailable`.
    """
    if failure.retryable:
        return ExceptionKind.SYSTEM_UNAVAILABLE
    return ExceptionKind.POSTING_REJECTED
