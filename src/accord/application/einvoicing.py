"""EN 16931 e-invoices of issued documents: render, validate, keep the result, and hold a
document whose e-invoice breaks the rules before it is sent anywhere."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol

from accord.application.steps.context import StepOutcome
from accord.domain.billing.documents import DocumentKind
from accord.domain.billing.einvoice import (
    EInvoice,
    EInvoiceSyntax,
    EInvoiceValidation,
    blocking_reason,
    buyer_party,
    seller_party,
)
from accord.domain.billing.state import BillingState
from accord.domain.exceptions import ExceptionKind


class EInvoiceRenderer(Protocol):
    """Writes an e-invoice in one syntax."""

    @property
    def syntax(self) -> EInvoiceSyntax: ...

    def render(self, einvoice: EInvoice) -> bytes: ...


class EInvoiceValidator(Protocol):
    """Checks an e-invoice against the EN 16931 business rules of its syntax."""

    def validate(self, number: str, syntax: EInvoiceSyntax, xml: bytes) -> EInvoiceValidation: ...


class EInvoiceValidations(Protocol):
    """Keeps the latest validation of each document and syntax."""

    def save(self, validation: EInvoiceValidation) -> None: ...

    def of(self, number: str) -> Sequence[EInvoiceValidation]: ...


class BillingStateSource(Protocol):
    def firm_state(self) -> BillingState:
        """The firm-wide data (entities, customers, whether e-invoices are sent)."""
        ...

    def document_state(self, number: str) -> BillingState:
        """The firm-wide data with the document and the documents it corrects."""
        ...


class UnknownDocument(LookupError):
    """No issued document has this number."""


class UnknownMasterData(LookupError):
    """The document names an entity or customer billing does not know."""


def einvoice_of(state: BillingState, number: str) -> EInvoice:
    """The document with the seller and buyer master data billing holds for it."""
    document = state.ledger.documents.get(number)
    if document is None:
        raise UnknownDocument(f"no issued document {number!r}")
    try:
        entity = state.firm.entity(document.entity)
    except KeyError:
        raise UnknownMasterData(f"{number}: unknown entity {document.entity!r}") from None
    customer = state.customers.get(document.customer)
    if customer is None:
        raise UnknownMasterData(f"{number}: unknown customer {document.customer!r}")
    corrected: tuple[tuple[str, date | None], ...] = ()
    if document.kind is DocumentKind.CREDIT_NOTE:
        issued = state.ledger.documents
        corrected = tuple(
            (ref, issued[ref].issue_date if ref in issued else None) for ref in document.references
        )
    return EInvoice(
        document, seller_party(entity), buyer_party(customer), entity.payment_terms, corrected
    )


class EInvoicing:
    """Renders documents in every syntax, validates them and keeps the results."""

    def __init__(
        self,
        billing: BillingStateSource,
        renderers: Sequence[EInvoiceRenderer],
        validator: EInvoiceValidator,
        validations: EInvoiceValidations,
    ) -> None:
        self._billing = billing
        self._renderers: Mapping[EInvoiceSyntax, EInvoiceRenderer] = {
            r.syntax: r for r in renderers
        }
        self._validator = validator
        self._validations = validations

    @property
    def syntaxes(self) -> tuple[EInvoiceSyntax, ...]:
        return tuple(self._renderers)

    def render(self, number: str, syntax: EInvoiceSyntax) -> bytes:
        """The e-invoice of document `number`; raises `UnknownDocument`."""
        einvoice = einvoice_of(self._billing.document_state(number), number)
        return self._renderers[syntax].render(einvoice)

    def render_all(self, number: str) -> dict[EInvoiceSyntax, bytes]:
        einvoice = einvoice_of(self._billing.document_state(number), number)
        return {syntax: r.render(einvoice) for syntax, r in self._renderers.items()}

    def validate(self, number: str) -> list[EInvoiceValidation]:
        """Render and validate in every syntax; the results are kept with the document."""
        results = []
        for syntax, xml in self.render_all(number).items():
            result = self._validator.validate(number, syntax, xml)
            self._validations.save(result)
            results.append(result)
        return results

    def validations(self, number: str) -> Sequence[EInvoiceValidation]:
        return self._validations.of(number)

    def check_before_sending(self, number: str) -> StepOutcome:
        """When the firm sends e-invoices: validate, and fail as `einvoice_invalid` (owned
        by billing) while any rule is broken, so the document goes nowhere until fixed."""
        if not self._billing.firm_state().firm.send_einvoices:
            return StepOutcome.ok()
        try:
            reason = blocking_reason(self.validate(number))
        except UnknownMasterData as error:
            reason = f"{error}: its e-invoice cannot name the party; add it to master data"
        if reason is None:
            return StepOutcome.ok()
        return StepOutcome(False, ExceptionKind.EINVOICE_INVALID.value, reason, "einvoice")
