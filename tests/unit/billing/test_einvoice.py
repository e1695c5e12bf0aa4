"""How a document's amounts are stated on its e-invoice, and when it may not be sent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from accord.adapters.einvoice.saxon import parse_svrl
from accord.domain.billing.documents import DocumentKind, DraftLine, LineKind, build_document
from accord.domain.billing.einvoice import (
    EInvoice,
    EInvoiceSyntax,
    EInvoiceValidation,
    Party,
    Violation,
    blocking_reason,
)
from accord.domain.contracts.model import TaxCategory, TaxRule

RULE = TaxRule("DE01", "DE", TaxCategory.STANDARD, D("19"))
PARTY = Party("Beispiel Beratung GmbH", "DE")
AT = dt.datetime(2026, 1, 31, tzinfo=dt.UTC)


def _einvoice(kind: DocumentKind, *lines: tuple[str, str, str]) -> EInvoice:
    drafts = [DraftLine(LineKind.CORRECTION, "TM", "x", D(q), D(p), D(n)) for q, p, n in lines]
    header = ("K1", "C1", "DE01", "EUR")
    document = build_document("N-1", kind, header, AT.date(), (), drafts, RULE)
    return EInvoice(document, PARTY, PARTY)


def test_a_negative_price_becomes_a_negative_quantity_at_a_positive_price() -> None:
    einvoice = _einvoice(DocumentKind.INVOICE, ("1", "-3960.00", "-3960.00"))
    assert einvoice.line_figures(einvoice.document.lines[0]) == (D(-1), D("3960.00"), D("-3960.00"))


def test_a_credit_note_states_its_amounts_positive() -> None:
    einvoice = _einvoice(DocumentKind.CREDIT_NOTE, ("-2", "150", "-300.00"))
    assert einvoice.line_figures(einvoice.document.lines[0]) == (D(2), D(150), D("300.00"))
    [subtotal] = einvoice.subtotals()
    assert (subtotal.taxable, subtotal.tax) == (D("300.00"), D("57.00"))


def test_only_a_fatal_violation_blocks_and_the_reason_names_each_rule() -> None:
    valid = EInvoiceValidation("N-1", EInvoiceSyntax.CII, (), AT)
    broken = EInvoiceValidation(
        "N-1", EInvoiceSyntax.UBL, (Violation("BR-S-02", "no seller VAT id", "/Invoice"),), AT
    )
    assert blocking_reason([valid]) is None
    reason = blocking_reason([broken, valid])
    assert reason is not None and "UBL: [BR-S-02] no seller VAT id" in reason
    assert "CII" not in reason


def test_the_report_yields_fatal_failed_asserts_only() -> None:
    report = """<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
      <svrl:failed-assert id="BR-10" flag="fatal" location="/Invoice[1]">
        <svrl:text>[BR-10]-An Invoice shall contain the Buyer postal address (BG-8).</svrl:text>
      </svrl:failed-assert>
      <svrl:failed-assert id="BR-CL-x" flag="warning" location="/Invoice[1]">
        <svrl:text>only a warning</svrl:text>
      </svrl:failed-assert>
    </svrl:schematron-output>"""
    assert parse_svrl(report) == (
        Violation(
            "BR-10", "An Invoice shall contain the Buyer postal address (BG-8).", "/Invoice[1]"
        ),
    )
