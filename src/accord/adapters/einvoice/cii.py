"""UN/CEFACT Cross Industry Invoice D16B, EN 16931 guideline: the XML inside Factur-X."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from accord.adapters.einvoice.elements import (
    EXEMPTION_REASONS,
    amount,
    child,
    has_rate,
    number,
    serialise,
    unit_code,
)
from accord.domain.billing.einvoice import CII_GUIDELINE, EInvoice, EInvoiceSyntax, Party
from accord.domain.billing.tax import TaxSubtotal

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
for _prefix, _uri in (("rsm", RSM), ("ram", RAM), ("udt", UDT), ("qdt", QDT)):
    ET.register_namespace(_prefix, _uri)


def _r(name: str) -> str:
    return f"{{{RAM}}}{name}"


def _date(holder: ET.Element, day: date, namespace: str = UDT) -> None:
    child(holder, f"{{{namespace}}}DateTimeString", day.strftime("%Y%m%d"), format="102")


class CiiRenderer:
    """Renders an `EInvoice` as a CII CrossIndustryInvoice (380, 381 or 386)."""

    syntax = EInvoiceSyntax.CII

    def render(self, einvoice: EInvoice) -> bytes:
        document = einvoice.document
        root = ET.Element(f"{{{RSM}}}CrossIndustryInvoice")
        context = child(root, f"{{{RSM}}}ExchangedDocumentContext")
        guideline = child(context, _r("GuidelineSpecifiedDocumentContextParameter"))
        child(guideline, _r("ID"), CII_GUIDELINE)
        header = child(root, f"{{{RSM}}}ExchangedDocument")
        child(header, _r("ID"), document.number)
        child(header, _r("TypeCode"), document.type_code)
        _date(child(header, _r("IssueDateTime")), document.issue_date)
        transaction = child(root, f"{{{RSM}}}SupplyChainTradeTransaction")
        _lines(transaction, einvoice)
        _agreement(child(transaction, _r("ApplicableHeaderTradeAgreement")), einvoice)
        child(transaction, _r("ApplicableHeaderTradeDelivery"))
        _settlement(child(transaction, _r("ApplicableHeaderTradeSettlement")), einvoice)
        return serialise(root)


def _lines(transaction: ET.Element, einvoice: EInvoice) -> None:
    for index, line in enumerate(einvoice.document.lines, start=1):
        quantity, price, net = einvoice.line_figures(line)
        item = child(transaction, _r("IncludedSupplyChainTradeLineItem"))
        child(child(item, _r("AssociatedDocumentLineDocument")), _r("LineID"), str(index))
        child(child(item, _r("SpecifiedTradeProduct")), _r("Name"), line.description)
        agreement = child(item, _r("SpecifiedLineTradeAgreement"))
        price_element = child(agreement, _r("NetPriceProductTradePrice"))
        child(price_element, _r("ChargeAmount"), number(price))
        delivery = child(item, _r("SpecifiedLineTradeDelivery"))
        child(delivery, _r("BilledQuantity"), number(quantity), unitCode=unit_code(line.kind))
        settlement = child(item, _r("SpecifiedLineTradeSettlement"))
        tax = child(settlement, _r("ApplicableTradeTax"))
        child(tax, _r("TypeCode"), "VAT")
        child(tax, _r("CategoryCode"), line.tax_category.value)
        if has_rate(line.tax_category):
            child(tax, _r("RateApplicablePercent"), number(line.tax_rate))
        summation = child(settlement, _r("SpecifiedTradeSettlementLineMonetarySummation"))
        child(summation, _r("LineTotalAmount"), amount(net))


def _party(holder: ET.Element, party: Party, vat: bool) -> None:
    child(holder, _r("Name"), party.name)
    if party.registration_id:
        child(child(holder, _r("SpecifiedLegalOrganization")), _r("ID"), party.registration_id)
    address = child(holder, _r("PostalTradeAddress"))
    if party.postal_code:
        child(address, _r("PostcodeCode"), party.postal_code)
    if party.street:
        child(address, _r("LineOne"), party.street)
    if party.city:
        child(address, _r("CityName"), party.city)
    child(address, _r("CountryID"), party.country)
    if vat and party.tax_id:
        registration = child(holder, _r("SpecifiedTaxRegistration"))
        child(registration, _r("ID"), party.tax_id, schemeID="VA")


def _agreement(agreement: ET.Element, einvoice: EInvoice) -> None:
    child(agreement, _r("BuyerReference"), einvoice.document.contract)
    vat = einvoice.names_vat_ids
    _party(child(agreement, _r("SellerTradeParty")), einvoice.seller, vat)
    _party(child(agreement, _r("BuyerTradeParty")), einvoice.buyer, vat)
    contract = child(agreement, _r("ContractReferencedDocument"))
    child(contract, _r("IssuerAssignedID"), einvoice.document.contract)


def _tax(settlement: ET.Element, subtotal: TaxSubtotal) -> None:
    tax = child(settlement, _r("ApplicableTradeTax"))
    child(tax, _r("CalculatedAmount"), amount(subtotal.tax))
    child(tax, _r("TypeCode"), "VAT")
    code, text = EXEMPTION_REASONS.get(subtotal.category, ("", ""))
    if text:
        child(tax, _r("ExemptionReason"), text)
    child(tax, _r("BasisAmount"), amount(subtotal.taxable))
    child(tax, _r("CategoryCode"), subtotal.category.value)
    if code:
        child(tax, _r("ExemptionReasonCode"), code)
    if has_rate(subtotal.category):
        child(tax, _r("RateApplicablePercent"), number(subtotal.rate))


def _settlement(settlement: ET.Element, einvoice: EInvoice) -> None:
    document, sign = einvoice.document, einvoice.sign
    child(settlement, _r("InvoiceCurrencyCode"), document.currency)
    for subtotal in einvoice.subtotals():
        _tax(settlement, subtotal)
    if einvoice.payment_terms:
        terms = child(settlement, _r("SpecifiedTradePaymentTerms"))
        child(terms, _r("Description"), einvoice.payment_terms)
    totals = child(settlement, _r("SpecifiedTradeSettlementHeaderMonetarySummation"))
    child(totals, _r("LineTotalAmount"), amount(sign * document.net_total))
    child(totals, _r("TaxBasisTotalAmount"), amount(sign * document.net_total))
    tax_total = amount(sign * document.tax_total)
    child(totals, _r("TaxTotalAmount"), tax_total, currencyID=document.currency)
    child(totals, _r("GrandTotalAmount"), amount(sign * document.gross_total))
    child(totals, _r("DuePayableAmount"), amount(sign * document.gross_total))
    for invoice, issued in einvoice.corrected:
        reference = child(settlement, _r("InvoiceReferencedDocument"))
        child(reference, _r("IssuerAssignedID"), invoice)
        if issued is not None:
            _date(child(reference, _r("FormattedIssueDateTime")), issued, QDT)
