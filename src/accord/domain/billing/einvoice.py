"""EN 16931 e-invoices: what a rendering needs and what a validation found.

An issued document becomes an e-invoice in two syntaxes (UBL 2.1 and UN/CEFACT CII). The
rules decide whether it may be sent; a document with a fatal violation is held, never sent
as it is, and never patched with guessed master data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from accord.domain.billing.documents import Document, DocumentKind, DocumentLine
from accord.domain.billing.tax import TaxSubtotal
from accord.domain.contracts.model import Customer, Entity, TaxCategory

UBL_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
UBL_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CII_GUIDELINE = "urn:cen.eu:en16931:2017"


class EInvoiceSyntax(StrEnum):
    UBL = "ubl"
    CII = "cii"


@dataclass(frozen=True, slots=True)
class Party:
    """Seller or buyer as the e-invoice names them (BG-4 / BG-7)."""

    name: str
    country: str
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    tax_id: str | None = None
    registration_id: str | None = None


@dataclass(frozen=True, slots=True)
class EInvoice:
    """An issued document with the master data its e-invoice needs."""

    document: Document
    seller: Party
    buyer: Party
    payment_terms: str | None = None
    corrected: tuple[tuple[str, date | None], ...] = ()
    """For a credit note: (invoice number, issue date) of each invoice it corrects."""

    @property
    def names_vat_ids(self) -> bool:
        """A document "not subject to VAT" names no VAT identifier at all (BR-O-02); its
        seller is known by its legal registration instead (BR-CO-26)."""
        return all(
            line.tax_category is not TaxCategory.OUTSIDE_SCOPE for line in self.document.lines
        )

    @property
    def sign(self) -> Decimal:
        """Credit notes hold negative amounts; their e-invoice states them positive."""
        return Decimal(-1) if self.document.kind is DocumentKind.CREDIT_NOTE else Decimal(1)

    def line_figures(self, line: DocumentLine) -> tuple[Decimal, Decimal, Decimal]:
        """(quantity, unit price, net) as stated: the price is never negative (BR-27), so
        a negative line (a cap hold, a drawdown) is a negative quantity at a positive price."""
        quantity, net = self.sign * line.quantity, self.sign * line.net
        if line.unit_price < 0:
            return -quantity, -line.unit_price, net
        return quantity, line.unit_price, net

    def subtotals(self) -> list[TaxSubtotal]:
        return [
            TaxSubtotal(s.category, s.rate, self.sign * s.taxable, self.sign * s.tax)
            for s in self.document.tax_subtotals
        ]


def seller_party(entity: Entity) -> Party:
    return Party(
        entity.name,
        entity.country,
        entity.street,
        entity.city,
        entity.postal_code,
        entity.tax_id,
        entity.registration_id,
    )


def buyer_party(customer: Customer) -> Party:
    return Party(
        customer.name,
        customer.country,
        customer.street,
        customer.city,
        customer.postal_code,
        customer.tax_id,
    )


@dataclass(frozen=True, slots=True)
class Violation:
    """A failed EN 16931 business rule (flag fatal), as the official rules word it."""

    rule: str
    text: str
    location: str


@dataclass(frozen=True, slots=True)
class EInvoiceValidation:
    """The outcome of validating one document in one syntax."""

    number: str
    syntax: EInvoiceSyntax
    violations: tuple[Violation, ...]
    validated_at: datetime

    @property
    def valid(self) -> bool:
        return not self.violations

    @property
    def status(self) -> str:
        return "valid" if self.valid else "invalid"


def blocking_reason(validations: list[EInvoiceValidation]) -> str | None:
    """Why the document may not be sent (every fatal rule broken, by syntax), or None."""
    failed = [v for v in validations if not v.valid]
    if not failed:
        return None
    parts = [
        f"{v.syntax.value.upper()}: " + "; ".join(f"[{x.rule}] {x.text}" for x in v.violations)
        for v in failed
    ]
    return f"e-invoice {failed[0].number} breaks EN 16931 rules. " + " | ".join(parts)
