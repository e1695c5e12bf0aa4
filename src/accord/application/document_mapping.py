"""Issued documents (domain) -> canonical Invoice v1, the shape every system receives."""

from __future__ import annotations

from accord.canonical import v1
from accord.domain.billing.documents import Document, DocumentLine, LineKind


def _line(line: DocumentLine) -> v1.InvoiceLine:
    """The canonical line, naming what it bills: the time entries (and each one's hours)
    of a time line, the entry a correction corrects, the expense or the milestone. This
    is what reconciliation reads back to find an item billed twice."""
    time = line.kind is LineKind.TIME
    billed = line.items[0][0] if line.items else None
    corrects_expense = line.kind is LineKind.CORRECTION and line.term is None
    corrected = line.entry if line.entry and not corrects_expense else None
    expense = line.entry if corrects_expense else billed
    return v1.InvoiceLine(
        kind=v1.ChargeKind(line.kind.value),
        term=line.term,
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        net=line.net,
        tax_category=v1.TaxCategory(line.tax_category.value),
        tax_rate=line.tax_rate,
        time_entry_ids=[e for e, _ in line.items] if time else [corrected] if corrected else [],
        time_entry_hours=[hours for _, hours in line.items] if time else [],
        expense_id=expense if line.kind is LineKind.EXPENSE or corrects_expense else None,
        milestone_id=billed if line.kind is LineKind.MILESTONE else None,
    )


def to_invoice(document: Document) -> v1.Invoice:
    """The canonical form of an issued document; its id and number are the number."""
    return v1.Invoice(
        id=document.number,
        number=document.number,
        kind=v1.DocumentKind(document.kind.value),
        type_code=document.type_code,
        contract=document.contract,
        customer=document.customer,
        entity=document.entity,
        currency=document.currency,
        issue_date=document.issue_date,
        references=list(document.references),
        lines=[_line(line) for line in document.lines],
        net_total=document.net_total,
        tax_total=document.tax_total,
        gross_total=document.gross_total,
        status=v1.InvoiceStatus(document.status.value),
        paid=document.paid,
    )
