"""Accord's invoices and credit notes as NetSuite transaction records, and back.

An issued document becomes an `invoice` (a credit note a `creditMemo`) whose external id
is the posting's idempotency key, `tranId` its business number and `memo` Accord's
document id. Entity, project (`job`) and subsidiary are referenced by external id;
the tax of each line travels in `custcol_accord_tax_amount`, rounding leftovers on the
last taxed line, so NetSuite's `taxTotal` equals the document's. Amounts are Decimal
strings on the wire (never floats); NetSuite's own `subtotal`, `taxTotal` and `total`
are read back as the posted totals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from accord.canonical.v1 import (
    TYPE_CODES,
    ChargeKind,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    TaxCategory,
)
from accord.connectors.sdk import PostedDocument
from accord.domain.billing.posting_check import DocumentTotals

RECORD_TYPE = {
    DocumentKind.INVOICE: "invoice",
    DocumentKind.CREDIT_NOTE: "creditMemo",
    DocumentKind.PREPAYMENT: "invoice",
}
KIND = {"invoice": DocumentKind.INVOICE, "creditMemo": DocumentKind.CREDIT_NOTE}
STATUS = {"open": "posted", "partiallyPaid": "partially_paid", "paidInFull": "paid"}
CENT = Decimal("0.01")


def record_body(invoice: Invoice, dimensions: Mapping[str, str]) -> dict[str, Any]:
    """The REST record body of `invoice`; `dimensions` (department, class, location by
    external id) are the firm's for the document's legal entity."""
    return {
        "tranId": invoice.number,
        "memo": invoice.id,
        "entity": {"externalId": invoice.customer},
        "job": {"externalId": invoice.contract},
        "subsidiary": {"externalId": invoice.entity},
        "currency": {"refName": invoice.currency},
        "tranDate": invoice.issue_date.isoformat(),
        "custbody_accord_kind": invoice.kind.value,
        "custbody_accord_references": ",".join(invoice.references),
        **{name: {"externalId": value} for name, value in dimensions.items()},
        "item": {"items": _items(invoice)},
    }


def _items(invoice: Invoice) -> list[dict[str, Any]]:
    taxes = [
        (line.net * line.tax_rate / 100).quantize(CENT, ROUND_HALF_UP) for line in invoice.lines
    ]
    taxed = [i for i, line in enumerate(invoice.lines) if line.tax_rate] or [len(taxes) - 1]
    if taxes:
        taxes[taxed[-1]] += invoice.tax_total - sum(taxes, Decimal(0))
    return [
        {
            "item": {"externalId": line.kind.value},
            "description": line.description,
            "quantity": line.quantity,
            "rate": line.unit_price,
            "amount": line.net,
            "taxCode": {"refName": line.tax_category.value},
            "taxRate1": line.tax_rate,
            "custcol_accord_tax_amount": tax,
            "custcol_accord_term": line.term,
        }
        for line, tax in zip(invoice.lines, taxes, strict=True)
    ]


def posted(record: Mapping[str, Any]) -> PostedDocument:
    """The document as NetSuite holds it, with the totals NetSuite computed."""
    totals = DocumentTotals(
        currency=record["currency"]["refName"],
        untaxed=Decimal(str(record["subtotal"])),
        tax=Decimal(str(record["taxTotal"])),
        total=Decimal(str(record["total"])),
    )
    return PostedDocument(
        external_id=str(record["id"]),
        number=str(record["tranId"]),
        status=STATUS.get(record["status"]["id"], "posted"),
        totals=totals,
    )


def document_from_record(record_type: str, record: Mapping[str, Any]) -> Invoice:
    """A canonical document from a NetSuite invoice or credit memo (for reconciliation)."""
    kind = DocumentKind(record.get("custbody_accord_kind") or KIND[record_type].value)
    lines = [
        InvoiceLine(
            kind=ChargeKind(item["item"]["externalId"]),
            term=item.get("custcol_accord_term"),
            description=item["description"],
            quantity=Decimal(str(item["quantity"])),
            unit_price=Decimal(str(item["rate"])),
            net=Decimal(str(item["amount"])),
            tax_category=TaxCategory(item["taxCode"]["refName"]),
            tax_rate=Decimal(str(item["taxRate1"])),
        )
        for item in record["item"]["items"]
    ]
    total = Decimal(str(record["total"]))
    references = str(record.get("custbody_accord_references") or "")
    return Invoice(
        id=record.get("memo") or record["tranId"],
        number=record["tranId"],
        kind=kind,
        type_code=TYPE_CODES[kind],
        contract=record["job"]["externalId"],
        customer=record["entity"]["externalId"],
        entity=record["subsidiary"]["externalId"],
        currency=record["currency"]["refName"],
        issue_date=dt.date.fromisoformat(record["tranDate"]),
        references=[r for r in references.split(",") if r],
        lines=lines,
        net_total=Decimal(str(record["subtotal"])),
        tax_total=Decimal(str(record["taxTotal"])),
        gross_total=total,
        status=InvoiceStatus(STATUS.get(record["status"]["id"], "posted")),
        paid=total - Decimal(str(record.get("amountRemaining", total))),
    )
