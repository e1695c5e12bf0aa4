"""UBL 2.1 Invoice / CreditNote in the Peppol BIS Billing 3.0 profile of EN 16931."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from accord.adapters.einvoice.elements import (
    EXEMPTION_REASONS,
    amount,
    child,
    has_rate,
    number,
    serialise,
    unit_code,
)
from accord.domain.billing.documents import DocumentKind
from accord.domain.billing.einvoice import (
    UBL_CUSTOMIZATION,
    UBL_PROFILE,
    EInvoice,
    EInvoiceSyntax,
    Party,
)
from accord.domain.billing.tax import TaxSubtotal
from accord.domain.contracts.model import TaxCategory

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
ET.register_namespace("cbc", CBC)
ET.register_namespace("cac", CAC)


def _b(name: str) -> str:
    return f"{{{CBC}}}{name}"


def _a(name: str) -> str:
    return f"{{{CAC}}}{name}"


class UblRenderer:
    """Renders an `EInvoice` as UBL 2.1: an Invoice (380, 386) or a CreditNote (381)."""

    syntax = EInvoiceSyntax.UBL

    def render(self, einvoice: EInvoice) -> bytes:
        document = einvoice.document
        credit = document.kind is DocumentKind.CREDIT_NOTE
        name = "CreditNote" if credit else "Invoice"
        # The document's own namespace as the default one, as UBL instances are written;
        # only the root element is in it, every other element is cbc: or cac:.
        root = ET.Element(name, {"xmlns": CREDIT_NOTE if credit else INVOICE})
        child(root, _b("CustomizationID"), UBL_CUSTOMIZATION)
        child(root, _b("ProfileID"), UBL_PROFILE)
        child(root, _b("ID"), document.number)
        child(root, _b("IssueDate"), document.issue_date.isoformat())
        child(root, _b(f"{name}TypeCode"), document.type_code)
        child(root, _b("DocumentCurrencyCode"), document.currency)
        child(root, _b("BuyerReference"), document.contract)
        for invoice, issued in einvoice.corrected:
            reference = child(child(root, _a("BillingReference")), _a("InvoiceDocumentReference"))
            child(reference, _b("ID"), invoice)
            if issued is not None:
                child(reference, _b("IssueDate"), issued.isoformat())
        child(child(root, _a("ContractDocumentReference")), _b("ID"), document.contract)
        vat = einvoice.names_vat_ids
        _party(child(root, _a("AccountingSupplierParty")), einvoice.seller, vat)
        _party(child(root, _a("AccountingCustomerParty")), einvoice.buyer, vat)
        if einvoice.payment_terms:
            child(child(root, _a("PaymentTerms")), _b("Note"), einvoice.payment_terms)
        _tax_total(root, einvoice)
        _totals(root, einvoice)
        _lines(root, einvoice, name)
        return serialise(root)


def _party(holder: ET.Element, party: Party, vat: bool) -> None:
    element = child(holder, _a("Party"))
    child(child(element, _a("PartyName")), _b("Name"), party.name)
    address = child(element, _a("PostalAddress"))
    if party.street:
        child(address, _b("StreetName"), party.street)
    if party.city:
        child(address, _b("CityName"), party.city)
    if party.postal_code:
        child(address, _b("PostalZone"), party.postal_code)
    child(child(address, _a("Country")), _b("IdentificationCode"), party.country)
    if vat and party.tax_id:
        scheme = child(element, _a("PartyTaxScheme"))
        child(scheme, _b("CompanyID"), party.tax_id)
        child(child(scheme, _a("TaxScheme")), _b("ID"), "VAT")
    legal = child(element, _a("PartyLegalEntity"))
    child(legal, _b("RegistrationName"), party.name)
    if party.registration_id:
        child(legal, _b("CompanyID"), party.registration_id)


def _category(holder: ET.Element, tag: str, category: TaxCategory, rate: str) -> ET.Element:
    element = child(holder, _a(tag))
    child(element, _b("ID"), category.value)
    if has_rate(category):
        child(element, _b("Percent"), rate)
    return element


def _tax_total(root: ET.Element, einvoice: EInvoice) -> None:
    currency = einvoice.document.currency
    total = child(root, _a("TaxTotal"))
    child(
        total,
        _b("TaxAmount"),
        amount(einvoice.sign * einvoice.document.tax_total),
        currencyID=currency,
    )
    for subtotal in einvoice.subtotals():
        _subtotal(child(total, _a("TaxSubtotal")), subtotal, currency)


def _subtotal(element: ET.Element, subtotal: TaxSubtotal, currency: str) -> None:
    child(element, _b("TaxableAmount"), amount(subtotal.taxable), currencyID=currency)
    child(element, _b("TaxAmount"), amount(subtotal.tax), currencyID=currency)
    category = _category(element, "TaxCategory", subtotal.category, number(subtotal.rate))
    if subtotal.category in EXEMPTION_REASONS:
        code, text = EXEMPTION_REASONS[subtotal.category]
        if code:
            child(category, _b("TaxExemptionReasonCode"), code)
        child(category, _b("TaxExemptionReason"), text)
    child(child(category, _a("TaxScheme")), _b("ID"), "VAT")


def _totals(root: ET.Element, einvoice: EInvoice) -> None:
    document, sign, currency = einvoice.document, einvoice.sign, einvoice.document.currency
    totals = child(root, _a("LegalMonetaryTotal"))
    for tag, value in (
        ("LineExtensionAmount", document.net_total),
        ("TaxExclusiveAmount", document.net_total),
        ("TaxInclusiveAmount", document.gross_total),
        ("PayableAmount", document.gross_total),
    ):
        child(totals, _b(tag), amount(sign * value), currencyID=currency)


def _lines(root: ET.Element, einvoice: EInvoice, name: str) -> None:
    quantity_tag = "CreditedQuantity" if name == "CreditNote" else "InvoicedQuantity"
    currency = einvoice.document.currency
    for index, line in enumerate(einvoice.document.lines, start=1):
        quantity, price, net = einvoice.line_figures(line)
        element = child(root, _a(f"{name}Line"))
        child(element, _b("ID"), str(index))
        child(element, _b(quantity_tag), number(quantity), unitCode=unit_code(line.kind))
        child(element, _b("LineExtensionAmount"), amount(net), currencyID=currency)
        item = child(element, _a("Item"))
        child(item, _b("Name"), line.description)
        category = _category(
            item, "ClassifiedTaxCategory", line.tax_category, number(line.tax_rate)
        )
        child(child(category, _a("TaxScheme")), _b("ID"), "VAT")
        child(child(element, _a("Price")), _b("PriceAmount"), number(price), currencyID=currency)
