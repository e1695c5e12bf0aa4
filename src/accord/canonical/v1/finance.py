"""What was billed, paid and booked: invoices and credit notes, payments, postings (v1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from accord.canonical.base import (
    CanonicalModel,
    CanonicalValue,
    CurrencyCode,
    DecimalStr,
    Identifier,
    NonNegativeDecimalStr,
)
from accord.canonical.v1.delivery import ChargeKind


class TaxCategory(StrEnum):
    """EN 16931 / UNCL5305 VAT category codes."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    OUTSIDE_SCOPE = "O"


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PREPAYMENT = "prepayment"


TYPE_CODES: dict[DocumentKind, str] = {
    DocumentKind.INVOICE: "380",
    DocumentKind.CREDIT_NOTE: "381",
    DocumentKind.PREPAYMENT: "386",
}
"""UNCL1001 document type code of each document kind."""


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    POSTED = "posted"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CREDITED = "credited"


class InvoiceLine(CanonicalValue):
    """One line of an invoice or credit note, with the lineage that explains it."""

    kind: ChargeKind
    term: Identifier | None = None
    description: str
    quantity: DecimalStr
    unit_price: DecimalStr
    net: DecimalStr
    tax_category: TaxCategory
    tax_rate: NonNegativeDecimalStr
    time_entry_ids: list[Identifier] = Field(default_factory=list)
    time_entry_hours: list[DecimalStr] = Field(
        default_factory=list,
        description="hours of each of time_entry_ids on a time line, in the same order",
    )
    expense_id: Identifier | None = None
    milestone_id: Identifier | None = None
    rate_version: str | None = None


class Invoice(CanonicalModel):
    """An invoice, credit note (381) or prepayment invoice (386); never edited once issued."""

    SCHEMA_NAME: ClassVar[str] = "invoice"

    id: Identifier
    number: str | None = Field(default=None, description="assigned when issued")
    kind: DocumentKind
    type_code: Literal["380", "381", "386"]
    contract: Identifier
    customer: Identifier
    entity: Identifier
    currency: CurrencyCode
    issue_date: dt.date
    due_date: dt.date | None = None
    references: list[str] = Field(default_factory=list, description="invoices it corrects")
    lines: list[InvoiceLine] = Field(default_factory=list)
    net_total: DecimalStr
    tax_total: DecimalStr
    gross_total: DecimalStr
    status: InvoiceStatus = InvoiceStatus.DRAFT
    paid: DecimalStr = Decimal(0)

    @model_validator(mode="after")
    def _consistent(self) -> Invoice:
        expected_code = TYPE_CODES[self.kind]
        if self.type_code != expected_code:
            raise ValueError(
                f"type_code {self.type_code} does not match kind {self.kind.value}; "
                f"a {self.kind.value} has type_code {expected_code}"
            )
        line_sum = sum((line.net for line in self.lines), Decimal(0))
        if line_sum != self.net_total:
            raise ValueError(
                f"net_total {self.net_total} differs from the sum of line nets {line_sum} "
                "(EN 16931 BR-CO-10)"
            )
        if self.net_total + self.tax_total != self.gross_total:
            raise ValueError(
                f"gross_total {self.gross_total} is not net_total {self.net_total} "
                f"plus tax_total {self.tax_total}"
            )
        return self

    def business_key(self) -> str:
        """The invoice number once issued, the hub's draft id before."""
        return self.number or self.id


class Payment(CanonicalModel):
    """Money received against an invoice, as the ERP reports it."""

    SCHEMA_NAME: ClassVar[str] = "payment"

    id: Identifier
    invoice: str | None = Field(default=None, description="invoice number, when known")
    amount: NonNegativeDecimalStr
    currency: CurrencyCode
    received_on: dt.date
    customer: Identifier | None = None
    reference: str | None = None


class PostingLine(CanonicalValue):
    """A debit or credit on one ledger account, with its analytic dimensions."""

    account: Identifier
    debit: NonNegativeDecimalStr = Decimal(0)
    credit: NonNegativeDecimalStr = Decimal(0)
    description: str | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)


class LedgerPosting(CanonicalModel):
    """A balanced journal entry booked in an entity's ledger for one document."""

    SCHEMA_NAME: ClassVar[str] = "ledger_posting"

    document_number: Identifier
    entity: Identifier
    posting_date: dt.date
    currency: CurrencyCode
    lines: list[PostingLine] = Field(min_length=1)
    dimensions: dict[str, str] = Field(
        default_factory=dict, description="department, class, location, ..."
    )

    @model_validator(mode="after")
    def _balanced(self) -> LedgerPosting:
        debit = sum((line.debit for line in self.lines), Decimal(0))
        credit = sum((line.credit for line in self.lines), Decimal(0))
        if debit != credit:
            raise ValueError(f"posting is not balanced: debit {debit} != credit {credit}")
        return self

    def business_key(self) -> str:
        return f"{self.entity}/{self.document_number}"
