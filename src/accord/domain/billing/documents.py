"""Issued documents: invoices (380), credit notes (381) and prepayment invoices (386).

A document is never edited once issued; only its payment figures and status move, through
the transition functions at the bottom of this module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from accord.domain.billing.tax import TaxSubtotal, tax_subtotals
from accord.domain.contracts.model import TaxCategory, TaxRule
from accord.domain.money import round_to_currency


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PREPAYMENT = "prepayment"

    @property
    def type_code(self) -> str:
        """The UNCL1001 document type code used on the e-invoice."""
        return {"invoice": "380", "credit_note": "381", "prepayment": "386"}[self.value]

    @property
    def prefix(self) -> str:
        return "CN" if self is DocumentKind.CREDIT_NOTE else "INV"


class LineKind(StrEnum):
    PREPAYMENT = "prepayment"
    TIME = "time"
    EXPENSE = "expense"
    MILESTONE = "milestone"
    CORRECTION = "correction"
    CAP_HOLD = "cap_hold"
    CAP_RELEASE = "cap_release"
    RETAINER_DRAWDOWN = "retainer_drawdown"


class DocumentStatus(StrEnum):
    ISSUED = "issued"
    POSTED = "posted"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CREDITED = "credited"


LineItem = tuple[str, Decimal]
"""What a line bills, with its share of the line's quantity: (time entry id, hours) on
a time line, (expense id, 1) on an expense line, (milestone id, 1) on a milestone line."""


@dataclass(frozen=True, slots=True)
class DraftLine:
    """A line before tax is known. `entry` and `reference` give a correction's lineage,
    `items` what a time, expense or milestone line bills."""

    kind: LineKind
    term: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    entry: str | None = None
    reference: str | None = None
    items: tuple[LineItem, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentLine:
    kind: LineKind
    term: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    tax_category: TaxCategory
    tax_rate: Decimal
    entry: str | None = None
    reference: str | None = None
    items: tuple[LineItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """An issued document; totals are exact sums of rounded line nets and tax groups."""

    number: str
    kind: DocumentKind
    contract: str
    customer: str
    entity: str
    currency: str
    issue_date: date
    references: tuple[str, ...]
    lines: tuple[DocumentLine, ...]
    tax_subtotals: tuple[TaxSubtotal, ...]
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    paid: Decimal = Decimal(0)
    credited: Decimal = Decimal(0)
    status: DocumentStatus = DocumentStatus.ISSUED

    @property
    def type_code(self) -> str:
        return self.kind.type_code

    @property
    def open_amount(self) -> Decimal:
        """What the customer still owes on it (gross less payments and credit notes)."""
        return self.gross_total - self.paid - self.credited


def line_net(quantity: Decimal, unit_price: Decimal, currency: str) -> Decimal:
    """Line net = round(quantity x unit price), half up to the currency's minor units."""
    return round_to_currency(quantity * unit_price, currency)


def build_document(
    number: str,
    kind: DocumentKind,
    header: tuple[str, str, str, str],
    issue_date: date,
    references: tuple[str, ...],
    drafts: list[DraftLine],
    rule: TaxRule,
) -> Document:
    """Apply the tax rule to draft lines and total them. `header` = contract, customer,
    entity, currency."""
    contract, customer, entity, currency = header
    lines = tuple(
        DocumentLine(
            d.kind,
            d.term,
            d.description,
            d.quantity,
            d.unit_price,
            d.net,
            rule.category,
            rule.rate,
            d.entry,
            d.reference,
            d.items,
        )
        for d in drafts
    )
    subtotals = tax_subtotals(((ln.tax_category, ln.tax_rate, ln.net) for ln in lines), currency)
    net_total = sum((ln.net for ln in lines), Decimal(0))
    tax_total = sum((s.tax for s in subtotals), Decimal(0))
    return Document(
        number,
        kind,
        contract,
        customer,
        entity,
        currency,
        issue_date,
        references,
        lines,
        subtotals,
        net_total,
        tax_total,
        net_total + tax_total,
    )


def _settled_status(document: Document) -> DocumentStatus:
    if document.kind is not DocumentKind.CREDIT_NOTE and document.credited >= document.gross_total:
        return DocumentStatus.CREDITED
    if document.paid > 0 and document.open_amount <= 0:
        return DocumentStatus.PAID
    if document.paid > 0:
        return DocumentStatus.PARTIALLY_PAID
    return document.status


def mark_posted(document: Document) -> Document:
    """The ERP confirmed the posting: `issued` becomes `posted`; later states stay."""
    if document.status is DocumentStatus.ISSUED:
        return replace(document, status=DocumentStatus.POSTED)
    return document


def record_payment(document: Document, amount: Decimal) -> Document:
    """Add a payment already checked against the open amount; the status follows."""
    paid = replace(document, paid=document.paid + amount)
    return replace(paid, status=_settled_status(paid))


def record_credit(document: Document, amount: Decimal) -> Document:
    """A credit note referencing this invoice reduced it by `amount` (gross, positive)."""
    credited = replace(document, credited=document.credited + amount)
    return replace(credited, status=_settled_status(credited))
