"""The posting step's collaborators other than the ERP, for tests that post into Tryton:
billing holds the issued documents, the exception queue records what was opened."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from accord.application.steps.context import Gateways, StepContext
from accord.application.steps.posting import DocumentPosting
from accord.connectors.tryton import TrytonErpConnector
from accord.domain.billing.documents import Document, DocumentKind, DocumentLine, LineKind
from accord.domain.billing.posting_check import DocumentTotals
from accord.domain.billing.tax import tax_subtotals
from accord.domain.contracts.model import TaxCategory
from accord.domain.exceptions import BusinessException, ExceptionKind


@dataclass
class FakeBilling:
    documents: dict[str, Document] = field(default_factory=dict)

    def document(self, number: str) -> Document | None:
        return self.documents.get(number)


@dataclass
class FakeExceptions:
    opened: list[tuple[BusinessException, dict[str, Any]]] = field(default_factory=list)
    closed: list[tuple[ExceptionKind, str]] = field(default_factory=list)

    def open(self, exception: BusinessException, details: dict[str, Any]) -> int:
        self.opened.append((exception, details))
        return len(self.opened)

    def find_open(self, kind: ExceptionKind, subject: str) -> None:
        """No posting was refused before: the issued document is sent."""
        del kind, subject

    def close(self, kind: ExceptionKind, subject: str, note: str) -> bool:
        self.closed.append((kind, subject))
        return False


def posting_step(erp: TrytonErpConnector) -> tuple[DocumentPosting, FakeBilling, FakeExceptions]:
    """The posting steps with the live Tryton connector as their ERP."""
    billing, exceptions = FakeBilling(), FakeExceptions()
    gateways: Any = Gateways(erp=erp, billing=None, psa=None, crm=None)  # type: ignore[arg-type]
    service = DocumentPosting(StepContext(billing, exceptions, gateways, None))  # type: ignore[arg-type]
    return service, billing, exceptions


def issued_document(
    number: str, customer: str, lines: list[tuple[Decimal, Decimal, Decimal, Decimal]], issue: Any
) -> Document:
    """A document issued as Accord's billing engine issues it: lines are (quantity, unit
    price, net, VAT rate in percent); tax per rate on the sum of rounded nets (BR-CO-17)."""
    document_lines = tuple(
        DocumentLine(
            LineKind.CORRECTION if net < 0 else LineKind.TIME,
            "T1",
            f"line {index + 1}",
            quantity,
            price,
            net,
            TaxCategory.STANDARD if rate else TaxCategory.ZERO_RATED,
            rate,
        )
        for index, (quantity, price, net, rate) in enumerate(lines)
    )
    subtotals = tax_subtotals(
        [(line.tax_category, line.tax_rate, line.net) for line in document_lines], "EUR"
    )
    net_total = sum((line.net for line in document_lines), Decimal(0))
    tax_total = sum((subtotal.tax for subtotal in subtotals), Decimal(0))
    return Document(
        number=number, kind=DocumentKind.INVOICE, contract="K-1", customer=customer,
        entity="DE01", currency="EUR", issue_date=issue, references=(), lines=document_lines,
        tax_subtotals=subtotals, net_total=net_total, tax_total=tax_total,
        gross_total=net_total + tax_total,
    )  # fmt: skip


def totals_in_tryton(erp: TrytonErpConnector, number: str) -> DocumentTotals:
    """The invoice's totals as Tryton computed and stored them, read over RPC."""
    (record,) = erp.rpc.model(
        "account.invoice", "search_read", [("reference", "=", number)], 0, None, None,
        ["untaxed_amount", "tax_amount", "total_amount", "currency.code"],
    )  # fmt: skip
    return DocumentTotals(
        record["currency."]["code"],
        Decimal(record["untaxed_amount"]),
        Decimal(record["tax_amount"]),
        Decimal(record["total_amount"]),
    )
