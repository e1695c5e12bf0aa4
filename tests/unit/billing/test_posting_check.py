"""The ledger must agree with the issued document, to the cent: the rule, and the
posting step that opens a `posting_mismatch` for finance with both figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from accord.application.steps.context import Gateways, StepContext
from accord.application.steps.posting import DocumentPosting
from accord.connectors.sdk import PostedDocument
from accord.domain.billing.documents import Document, DocumentKind, DocumentLine, LineKind
from accord.domain.billing.posting_check import DocumentTotals, posting_mismatch, totals_agree
from accord.domain.billing.tax import TaxSubtotal
from accord.domain.contracts.model import TaxCategory
from accord.domain.exceptions import (
    BusinessException,
    ExceptionAction,
    ExceptionKind,
    OwnerRole,
    actions_for,
)

NUMBER = "INV-DE01-000001"
ISSUED = DocumentTotals("EUR", Decimal("184.18"), Decimal("34.99"), Decimal("219.17"))


def totals(untaxed: str, tax: str, total: str, currency: str = "EUR") -> DocumentTotals:
    return DocumentTotals(currency, Decimal(untaxed), Decimal(tax), Decimal(total))


def test_equal_figures_agree_whatever_their_trailing_zeros() -> None:
    assert totals_agree(ISSUED, totals("184.180", "34.99", "219.1700"))


@pytest.mark.parametrize(
    "posted",
    [
        totals("184.17", "34.99", "219.16"),  # Tryton's half-even line rounding
        totals("184.18", "35.00", "219.18"),  # tax rounded per line
        totals("184.18", "34.99", "219.17", "USD"),  # the same figures in another currency
    ],
)
def test_a_cent_or_a_currency_apart_is_a_mismatch(posted: DocumentTotals) -> None:
    assert not totals_agree(ISSUED, posted)


def test_amounts_compare_at_the_currencys_minor_unit() -> None:
    yen = totals("1000", "100", "1100", "JPY")

    assert totals_agree(yen, totals("1000.4", "100", "1100.4", "JPY"))
    assert not totals_agree(yen, totals("1001", "100", "1101", "JPY"))


def test_a_mismatch_goes_to_finance_with_both_figures_and_the_gap_at_risk() -> None:
    mismatch = posting_mismatch(NUMBER, ISSUED, totals("184.17", "34.99", "219.16"))

    assert mismatch is not None
    assert (mismatch.kind, mismatch.subject, mismatch.owner) == (
        ExceptionKind.POSTING_MISMATCH,
        NUMBER,
        OwnerRole.FINANCE,
    )
    assert (mismatch.amount_at_risk, mismatch.currency) == (Decimal("0.01"), "EUR")
    assert "219.16" in mismatch.message and "219.17" in mismatch.message
    assert actions_for(ExceptionKind.POSTING_MISMATCH) == (ExceptionAction.SKIP,)
    assert posting_mismatch(NUMBER, ISSUED, ISSUED) is None


def _document() -> Document:
    line = DocumentLine(
        LineKind.TIME, "T1", "0.50 h consultant", Decimal("0.5"), Decimal("21.97"),
        Decimal("10.99"), TaxCategory.STANDARD, Decimal("19"),
    )  # fmt: skip
    tax = TaxSubtotal(TaxCategory.STANDARD, Decimal("19"), line.net, Decimal("2.09"))
    return Document(
        number=NUMBER, kind=DocumentKind.INVOICE, contract="K1", customer="C1", entity="DE01",
        currency="EUR", issue_date=dt.date(2026, 11, 30), references=(), lines=(line,),
        tax_subtotals=(tax,),
        net_total=Decimal("10.99"), tax_total=Decimal("2.09"), gross_total=Decimal("13.08"),
    )  # fmt: skip


@dataclass
class FakeBilling:
    def document(self, number: str) -> Document | None:
        return _document() if number == NUMBER else None


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
        return True


@dataclass
class FakeErp:
    """An ERP that answers a posting with the totals it computed."""

    holds: DocumentTotals | None
    keys: list[str] = field(default_factory=list)

    def post_invoice(self, invoice: Any, idempotency_key: str) -> PostedDocument:
        self.keys.append(idempotency_key)
        return PostedDocument("4711", invoice.number, "posted", self.holds)


def _post(erp: FakeErp) -> tuple[bool, FakeExceptions]:
    exceptions = FakeExceptions()
    gateways: Any = Gateways(erp=erp, billing=None, psa=None, crm=None)  # type: ignore[arg-type]
    service = DocumentPosting(StepContext(FakeBilling(), exceptions, gateways, None))  # type: ignore[arg-type]
    return service.post_to_erp(NUMBER).done, exceptions


def test_a_ledger_a_cent_short_opens_a_posting_mismatch_with_both_figures() -> None:
    done, exceptions = _post(FakeErp(totals("10.98", "2.09", "13.07")))

    assert done  # the document is posted: finance corrects the ledger, nothing is resent
    ((mismatch, details),) = exceptions.opened
    assert (mismatch.kind, mismatch.subject) == (ExceptionKind.POSTING_MISMATCH, NUMBER)
    assert details["issued"] == {
        "currency": "EUR", "untaxed": "10.99", "tax": "2.09", "total": "13.08"
    }  # fmt: skip
    assert details["erp"] == {
        "currency": "EUR", "untaxed": "10.98", "tax": "2.09", "total": "13.07"
    }  # fmt: skip


def test_a_ledger_that_agrees_opens_nothing_and_closes_an_earlier_mismatch() -> None:
    done, exceptions = _post(FakeErp(totals("10.99", "2.09", "13.08")))

    assert done and exceptions.opened == []
    assert exceptions.closed == [(ExceptionKind.POSTING_MISMATCH, NUMBER)]


def test_an_erp_that_reports_no_totals_is_left_to_reconciliation() -> None:
    done, exceptions = _post(FakeErp(None))

    assert done and exceptions.opened == [] and exceptions.closed == []
