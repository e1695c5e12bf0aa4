"""Issued documents rendered as UBL and CII pass the CEN rules; a document whose master data
lacks what EN 16931 requires fails with the rule named, is kept as invalid, and is held."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest

from accord.adapters.einvoice.cii import CiiRenderer
from accord.adapters.einvoice.saxon import SaxonEN16931Validator
from accord.adapters.einvoice.ubl import UblRenderer
from accord.adapters.einvoice.validations import SqlAlchemyEInvoiceValidations
from accord.adapters.store import create_store_engine, migrate
from accord.application.einvoicing import EInvoicing
from accord.domain.billing.documents import DocumentKind, DraftLine, LineKind, build_document
from accord.domain.billing.einvoice import EInvoiceSyntax
from accord.domain.billing.ledger import BillingLedger
from accord.domain.billing.state import BillingState, new_state
from accord.domain.contracts.model import Customer, Entity, Firm, TaxCategory, TaxRule
from accord.domain.exceptions import ExceptionKind

DE01 = Entity(
    "DE01", "Beispiel Beratung GmbH", "DE", "EUR", "DE123456789", "Hauptstr. 1", "Berlin", "10115"
)
US01 = Entity("US01", "Example Consulting Inc", "US", "USD", registration_id="12-3456789")
C1 = Customer("C1", "Nordwind AG", "DE", "DE987654321", "Kai 2", "Hamburg", "20095")
C2 = Customer("C2", "Acme Manufacturing Inc", "US")
STANDARD = TaxRule("DE01", "DE", TaxCategory.STANDARD, D("19"))
OUTSIDE = TaxRule("US01", "US", TaxCategory.OUTSIDE_SCOPE, D("0"))
REVERSE = TaxRule("DE01", "FR", TaxCategory.REVERSE_CHARGE, D("0"))


def _line(kind: LineKind, description: str, quantity: str, price: str) -> DraftLine:
    net = (D(quantity) * D(price)).quantize(D("0.01"))
    return DraftLine(kind, "TM", description, D(quantity), D(price), net)


def _state(seller: Entity = DE01, send: bool = True) -> BillingState:
    """A German invoice with a cap hold, its credit note, a prepayment, a reverse-charge
    invoice to France and a US invoice outside the scope of VAT."""
    customers = [C1, C2, Customer("C3", "Lyon SA", "FR", "FR12345678901", city="Lyon")]
    state = new_state(Firm((seller, US01), send_einvoices=send), customers, [], [])
    documents = [
        build_document(
            "INV-DE01-000001",
            DocumentKind.INVOICE,
            ("K1", "C1", "DE01", "EUR"),
            dt.date(2026, 1, 31),
            (),
            [
                _line(LineKind.TIME, "senior-consultant", "10.5", "150"),
                _line(LineKind.EXPENSE, "E1", "1", "187.00"),
                _line(LineKind.CAP_HOLD, "cap hold", "1", "-100.00"),
            ],
            STANDARD,
        ),
        build_document(
            "CN-DE01-000001",
            DocumentKind.CREDIT_NOTE,
            ("K1", "C1", "DE01", "EUR"),
            dt.date(2026, 2, 20),
            ("INV-DE01-000001",),
            [_line(LineKind.CORRECTION, "T1 corrected", "-2", "150")],
            STANDARD,
        ),
        build_document(
            "INV-DE01-000002",
            DocumentKind.PREPAYMENT,
            ("K1", "C1", "DE01", "EUR"),
            dt.date(2026, 1, 5),
            (),
            [_line(LineKind.PREPAYMENT, "retainer prepayment", "1", "10000")],
            STANDARD,
        ),
        build_document(
            "INV-DE01-000003",
            DocumentKind.INVOICE,
            ("K4", "C3", "DE01", "EUR"),
            dt.date(2026, 1, 31),
            (),
            [_line(LineKind.TIME, "consultant", "8", "120")],
            REVERSE,
        ),
        build_document(
            "INV-US01-000001",
            DocumentKind.INVOICE,
            ("K2", "C2", "US01", "USD"),
            dt.date(2026, 3, 31),
            (),
            [
                _line(LineKind.TIME, "consultant", "72", "180"),
                _line(LineKind.MILESTONE, "Discovery", "1", "36000"),
                _line(LineKind.CAP_HOLD, "cap hold", "1", "-3960.00"),
            ],
            OUTSIDE,
        ),
    ]
    ledger = BillingLedger(documents={d.number: d for d in documents})
    return replace(state, ledger=ledger)


class _Billing:
    def __init__(self, state: BillingState) -> None:
        self.current = state

    def firm_state(self) -> BillingState:
        return self.current

    def document_state(self, number: str) -> BillingState:
        return self.current


def _einvoicing(
    state: BillingState, validator: SaxonEN16931Validator, tmp_path: Path
) -> tuple[EInvoicing, SqlAlchemyEInvoiceValidations]:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'accord.sqlite'}")
    migrate(engine)
    store = SqlAlchemyEInvoiceValidations(engine)
    return EInvoicing(_Billing(state), (UblRenderer(), CiiRenderer()), validator, store), store


NUMBERS = list(_state().ledger.documents)


@pytest.mark.parametrize("number", NUMBERS)
def test_every_kind_of_document_validates_in_both_syntaxes(
    validator: SaxonEN16931Validator, tmp_path: Path, number: str
) -> None:
    einvoicing, store = _einvoicing(_state(), validator, tmp_path)
    results = einvoicing.validate(number)
    assert [r.syntax for r in results] == [EInvoiceSyntax.UBL, EInvoiceSyntax.CII]
    for result in results:
        assert result.violations == (), [f"{v.rule}: {v.text}" for v in result.violations]
    assert [v.status for v in store.of(number)] == ["valid", "valid"]
    assert einvoicing.check_before_sending(number).done


def test_a_credit_note_is_a_ubl_credit_note_with_positive_amounts_referencing_its_invoice(
    validator: SaxonEN16931Validator, tmp_path: Path
) -> None:
    einvoicing, _ = _einvoicing(_state(), validator, tmp_path)
    root = ET.fromstring(einvoicing.render("CN-DE01-000001", EInvoiceSyntax.UBL))
    ns = {
        "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
        "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    }
    assert root.tag.endswith("}CreditNote")
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=ns) == "381"
    reference = "cac:BillingReference/cac:InvoiceDocumentReference/"
    assert root.findtext(reference + "cbc:ID", namespaces=ns) == "INV-DE01-000001"
    assert root.findtext(reference + "cbc:IssueDate", namespaces=ns) == "2026-01-31"
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=ns) == "357.00"
    assert root.findtext("cac:CreditNoteLine/cbc:CreditedQuantity", namespaces=ns) == "2"


def test_a_seller_without_a_vat_id_fails_br_s_02_is_kept_invalid_and_held(
    validator: SaxonEN16931Validator, tmp_path: Path
) -> None:
    state = _state(seller=replace(DE01, tax_id=None))
    einvoicing, store = _einvoicing(state, validator, tmp_path)
    outcome = einvoicing.check_before_sending("INV-DE01-000001")
    assert not outcome.done
    assert outcome.kind == ExceptionKind.EINVOICE_INVALID.value
    assert ExceptionKind.EINVOICE_INVALID.owner.value == "billing"
    assert outcome.reason is not None and "[BR-S-02]" in outcome.reason
    kept = {v.syntax: v for v in store.of("INV-DE01-000001")}
    assert {s: v.status for s, v in kept.items()} == {
        EInvoiceSyntax.UBL: "invalid",
        EInvoiceSyntax.CII: "invalid",
    }
    rules = {v.rule for v in kept[EInvoiceSyntax.UBL].violations}
    assert "BR-S-02" in rules
    assert {v.rule for v in kept[EInvoiceSyntax.CII].violations} >= {"BR-S-02"}


def test_a_seller_without_any_identifier_fails_br_co_26(
    validator: SaxonEN16931Validator, tmp_path: Path
) -> None:
    state = _state()
    firm = replace(state.firm, entities=(DE01, replace(US01, registration_id=None)))
    einvoicing, _ = _einvoicing(replace(state, firm=firm), validator, tmp_path)
    results = einvoicing.validate("INV-US01-000001")
    assert all({v.rule for v in r.violations} == {"BR-CO-26"} for r in results)


def test_a_firm_that_does_not_send_einvoices_is_not_held(
    validator: SaxonEN16931Validator, tmp_path: Path
) -> None:
    state = _state(seller=replace(DE01, tax_id=None), send=False)
    einvoicing, store = _einvoicing(state, validator, tmp_path)
    assert einvoicing.check_before_sending("INV-DE01-000001").done
    assert store.of("INV-DE01-000001") == []
