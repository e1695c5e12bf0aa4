"""What Accord's canonical records become in Tryton, and how they are read back.

Pure functions over plain dicts (Tryton's JSON-RPC values), so the mapping is testable
without a server. Tryton has no field for some of Accord's keys (contract, entity, line
kind), so they travel in a small ``key: value`` block in the invoice comment and line
notes; the invoice's ``reference`` carries Accord's invoice number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from accord.canonical.v1 import (
    TYPE_CODES,
    ChargeKind,
    Customer,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    Project,
    TaxCategory,
)
from accord.connectors.tryton.amounts import SentLine, TaxAccounts, sent_line, tax_line_values
from accord.domain.billing.posting_check import DocumentTotals

MARKER_PREFIX = "accord-"
LINE_FIELDS = ["description", "quantity", "unit_price", "amount", "taxes", "note", "origin"]
INVOICE_FIELDS = [
    "number",
    "reference",
    "state",
    "invoice_date",
    "untaxed_amount",
    "tax_amount",
    "total_amount",
    "amount_to_pay",
    "currency.code",
    "party.code",
    "comment",
    "lines",
    "origin_invoices",
    "write_date",
]


INVOICE = "account.invoice"
POSTABLE_STATES = ("draft", "validated")
"""The states of an invoice Tryton still has to post."""
TOTAL_FIELDS = ["state", "untaxed_amount", "tax_amount", "total_amount", "currency.code"]


@dataclass(frozen=True)
class LedgerSetup:
    """The Tryton records every invoice refers to, looked up once per connector."""

    company: int
    journal: int
    product: int
    unit: int
    revenue_account: int
    default_receivable: int
    payment_term: int | None
    currencies: Mapping[str, int]
    taxes_by_rate: Mapping[Decimal, int]
    rates_by_tax: Mapping[int, Decimal]
    tax_accounts: Mapping[int, TaxAccounts]


@dataclass(frozen=True)
class PartyAccounts:
    """What an invoice needs from its customer's party."""

    party: int
    address: int
    receivable: int


def party_values(customer: Customer, country: int | None) -> dict[str, Any]:
    """A new party with its (one) address, identified by `code` = the customer id."""
    values: dict[str, Any] = {
        "name": customer.name,
        "code": customer.id,
        "addresses": [["create", [address_values(customer, country)]]],
    }
    if customer.email:
        values["contact_mechanisms"] = [["create", [{"type": "email", "value": customer.email}]]]
    if customer.tax_id:
        values["identifiers"] = [["create", [{"code": customer.tax_id}]]]
    return values


def address_values(customer: Customer, country: int | None) -> dict[str, Any]:
    return {
        "street_unstructured": customer.street or "",
        "city": customer.city or "",
        "postal_code": customer.postal_code or "",
        "country": country,
    }


def project_values(project: Project, company: int, party: int | None) -> dict[str, Any]:
    """A top-level ``project.work`` numbered with the Accord project id.

    Accord writes the invoices itself, so the project is invoiced manually in Tryton.
    """
    return {
        "name": project.name,
        "number": project.id,
        "type": "project",
        "company": company,
        "party": party,
        "project_invoice_method": "manual",
    }


def marker_block(invoice: Invoice, idempotency_key: str) -> str:
    """The comment that carries Accord's keys on the Tryton invoice."""
    entries = {
        "invoice-id": invoice.id,
        "contract": invoice.contract,
        "entity": invoice.entity,
        "customer": invoice.customer,
        "kind": invoice.kind.value,
        "references": ",".join(invoice.references),
        "idempotency-key": idempotency_key,
    }
    return "\n".join(f"{MARKER_PREFIX}{name}: {value}" for name, value in entries.items())


def read_markers(text: str | None) -> dict[str, str]:
    """The ``accord-name: value`` entries of a comment or note."""
    markers: dict[str, str] = {}
    for line in (text or "").splitlines():
        name, separator, value = line.partition(":")
        if separator and name.startswith(MARKER_PREFIX):
            markers[name.removeprefix(MARKER_PREFIX).strip()] = value.strip()
    return markers


def invoice_values(
    invoice: Invoice,
    idempotency_key: str,
    setup: LedgerSetup,
    party: PartyAccounts,
    origins: Sequence[str | None],
) -> dict[str, Any]:
    """A customer invoice (type ``out``) with Accord's lines, ready to ``create``.

    A credit note is an ``out`` invoice with a negative total, as Tryton's own credit
    wizard makes it; ``origins`` are the original invoice lines each line credits.
    """
    if invoice.currency not in setup.currencies:
        raise ValueError(
            f"currency {invoice.currency} is not set up in Tryton "
            f"(known: {', '.join(sorted(setup.currencies))}); add it and its rates in Tryton"
        )
    sign = Decimal(-1) if _is_positive_credit_note(invoice) else Decimal(1)
    sent = [sent_line(line, sign) for line in invoice.lines]
    lines = [
        _line_values(line, amounts, setup, origin)
        for line, amounts, origin in zip(invoice.lines, sent, origins, strict=True)
    ]
    taxes = tax_line_values(invoice, sign, sent, setup.taxes_by_rate, setup.tax_accounts)
    return {
        "type": "out",
        "company": setup.company,
        "party": party.party,
        "invoice_address": party.address,
        "account": party.receivable,
        "journal": setup.journal,
        "currency": setup.currencies[invoice.currency],
        "payment_term": setup.payment_term,
        "invoice_date": invoice.issue_date,
        "reference": invoice.business_key(),
        "description": f"{invoice.kind.value.replace('_', ' ')} for contract {invoice.contract}",
        "comment": marker_block(invoice, idempotency_key),
        "lines": [["create", lines]],
        "taxes": [["create", taxes]],
    }


def _is_positive_credit_note(invoice: Invoice) -> bool:
    return invoice.kind is DocumentKind.CREDIT_NOTE and invoice.net_total > 0


def _line_values(
    line: InvoiceLine, sent: SentLine, setup: LedgerSetup, origin: str | None
) -> dict[str, Any]:
    taxes: list[int] = []
    if line.tax_rate:
        rate = line.tax_rate / 100  # canonical rates are percentages, Tryton's fractions
        if rate not in setup.taxes_by_rate:
            known = ", ".join(_percent(r) for r in sorted(setup.taxes_by_rate)) or "none"
            raise ValueError(
                f"no Tryton tax with rate {_percent(rate)} for line {line.description!r} "
                f"(known: {known}); create the tax in Tryton"
            )
        taxes.append(setup.taxes_by_rate[rate])
    note = {"kind": line.kind.value, "tax-category": line.tax_category.value}
    if sent.reshaped:
        note |= {"quantity": str(sent.issued_quantity), "unit-price": str(line.unit_price)}
    values: dict[str, Any] = {
        "type": "line",
        "invoice_type": "out",
        "product": setup.product,
        "unit": setup.unit,
        "account": setup.revenue_account,
        "description": line.description,
        # A Decimal travels as a decimal string, so 0.10 h arrives as 0.10, never as
        # the nearest binary float; Tryton converts it for its own field.
        "quantity": sent.quantity,
        "unit_price": sent.unit_price,
        "taxes": [["add", taxes]],
        "note": "\n".join(f"{MARKER_PREFIX}{name}: {value}" for name, value in note.items()),
    }
    if origin is not None:
        values["origin"] = origin
    return values


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def posted_totals(record: Mapping[str, Any], invoice: Invoice) -> DocumentTotals:
    """Tryton's own untaxed, tax and total amounts, in the sign of the document Accord
    issued (a credit note Accord issued positive is stored negative in Tryton)."""
    sign = Decimal(-1) if _is_positive_credit_note(invoice) else Decimal(1)
    return DocumentTotals(
        currency=related_value(record, "currency", "code") or invoice.currency,
        untaxed=sign * Decimal(record["untaxed_amount"]),
        tax=sign * Decimal(record["tax_amount"]),
        total=sign * Decimal(record["total_amount"]),
    )


def invoice_status(record: Mapping[str, Any]) -> InvoiceStatus:
    """Tryton's invoice state as Accord's status word."""
    state = record["state"]
    if state == "paid":
        return InvoiceStatus.PAID
    if state == "cancelled":
        return InvoiceStatus.CREDITED
    if state == "posted":
        paid = amount_paid(record)
        return InvoiceStatus.PARTIALLY_PAID if paid else InvoiceStatus.POSTED
    return InvoiceStatus.DRAFT


def amount_paid(record: Mapping[str, Any]) -> Decimal:
    """Gross total less what is still to pay, for posted and paid documents."""
    if record["state"] not in ("posted", "paid"):
        return Decimal(0)
    total = Decimal(record["total_amount"])
    return total - Decimal(record["amount_to_pay"] or 0)


def canonical_invoice(
    record: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    rates_by_tax: Mapping[int, Decimal],
    references: Sequence[str],
) -> Invoice:
    """A Tryton invoice written by Accord as a canonical `Invoice` (for reconciliation)."""
    markers = read_markers(record.get("comment"))
    written_as = "credit_note" if Decimal(record["total_amount"]) < 0 else "invoice"
    kind = DocumentKind(markers.get("kind", written_as))
    canonical_lines = [canonical_line(line, rates_by_tax) for line in lines]
    return Invoice(
        id=markers.get("invoice-id") or str(record["id"]),
        number=record.get("reference") or record.get("number"),
        kind=kind,
        type_code=TYPE_CODES[kind],
        contract=markers.get("contract") or "unknown",
        customer=markers.get("customer") or related_value(record, "party", "code") or "unknown",
        entity=markers.get("entity") or "unknown",
        currency=related_value(record, "currency", "code") or "EUR",
        issue_date=record.get("invoice_date") or dt.date.today(),
        references=list(references),
        lines=canonical_lines,
        net_total=sum((line.net for line in canonical_lines), Decimal(0)),
        tax_total=Decimal(record["tax_amount"]),
        gross_total=sum((line.net for line in canonical_lines), Decimal(0))
        + Decimal(record["tax_amount"]),
        status=invoice_status(record),
        paid=amount_paid(record),
        updated_at=as_utc(record.get("write_date")),
    )


def canonical_line(line: Mapping[str, Any], rates_by_tax: Mapping[int, Decimal]) -> InvoiceLine:
    """One Tryton invoice line read back as a canonical `InvoiceLine`: quantity and unit
    price from the markers Accord wrote when Tryton would have rounded them."""
    markers = read_markers(line.get("note"))
    rates = [rates_by_tax[tax] for tax in line.get("taxes", []) if tax in rates_by_tax]
    quantity = Decimal(markers.get("quantity") or str(line["quantity"]))
    return InvoiceLine(
        kind=ChargeKind(markers.get("kind", "time")),
        description=line.get("description") or "",
        quantity=quantity,
        unit_price=Decimal(markers.get("unit-price") or line["unit_price"]),
        net=Decimal(line["amount"]),
        tax_category=TaxCategory(markers.get("tax-category", "S" if rates else "Z")),
        tax_rate=sum(rates, Decimal(0)) * 100,
    )


def related_value(record: Mapping[str, Any], field: str, name: str) -> str | None:
    related = record.get(f"{field}.")
    if isinstance(related, Mapping):
        value = related.get(name)
        return str(value) if value is not None else None
    return None


def is_money_received(line: Mapping[str, Any]) -> bool:
    """A payment line that credits the customer's receivable (a refund paid out against
    a credit note debits it, and is not a canonical `Payment`)."""
    return Decimal(line["credit"]) > Decimal(line["debit"])


def canonical_payment(line: Mapping[str, Any], invoice: Mapping[str, Any]) -> Payment:
    """One payment move line reconciled against an Accord invoice as a canonical `Payment`."""
    return Payment(
        id=f"tryton-move-line-{line['id']}",
        invoice=invoice.get("reference") or invoice.get("number"),
        amount=Decimal(line["credit"]) - Decimal(line["debit"]),
        currency=related_value(invoice, "currency", "code") or "EUR",
        received_on=line["date"],
        customer=related_value(invoice, "party", "code"),
        reference=related_value(line, "move", "number"),
        updated_at=as_utc(line.get("create_date")),
    )


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """Tryton's timestamps are naive UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment is not None else None
