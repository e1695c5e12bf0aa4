"""Canonical objects and the hub's billing state -> reconciliation records.

Each function states what a system's record means for reconciliation: which date ageing
counts from, which amount is at risk, which fields that system does not maintain (None).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from accord.canonical import v1
from accord.domain.billing.documents import Document, DocumentLine, DocumentStatus, LineKind
from accord.domain.billing.state import BillingState
from accord.domain.delivery.model import TimeEntry
from accord.domain.money import round_to_currency
from accord.domain.reconciliation import (
    ChargeRecord,
    ContractRecord,
    DocumentRecord,
    PaymentRecord,
    WorkRecord,
    settlement_status,
    standard_value,
)
from accord.domain.reconciliation.columns import RecordColumns
from accord.domain.reconciliation.records import Record
from accord.domain.reconciliation.unbilled import bills_by_the_hour


def signed_contract(contract: v1.Contract) -> ContractRecord:
    """A contract signed in the CLM: the reference every other system must match."""
    return ContractRecord(
        contract.id,
        contract.signed_on or contract.start,
        contract.customer,
        contract.entity,
        contract.currency,
    )


def system_documents(
    invoices: Sequence[v1.Invoice], keeps_settlement: bool
) -> RecordColumns[DocumentRecord]:
    """The documents a system holds, one record per number (the last one read wins), built
    column by column. The ERP keeps the settlement status (`keeps_settlement`); the
    billing system records it at issue and payments never move it there, so it is not
    compared (None)."""
    statuses = (
        [settlement_status(i.status.value) for i in invoices]
        if keeps_settlement
        else [None] * len(invoices)
    )
    return RecordColumns(
        DocumentRecord,
        {
            "key": [i.business_key() for i in invoices],
            "on": [i.issue_date for i in invoices],
            "contract": [i.contract for i in invoices],
            "currency": [i.currency for i in invoices],
            "net_total": [i.net_total for i in invoices],
            "tax_total": [i.tax_total for i in invoices],
            "amount": [i.gross_total for i in invoices],
            "status": statuses,
        },
    ).unique()


def hub_documents(issued: Iterable[Document]) -> RecordColumns[DocumentRecord]:
    """The documents the hub issued (what billing and the ERP must both hold), built
    column by column."""
    documents = list(issued)
    return RecordColumns(
        DocumentRecord,
        {
            "key": [d.number for d in documents],
            "on": [d.issue_date for d in documents],
            "contract": [d.contract for d in documents],
            "currency": [d.currency for d in documents],
            "net_total": [d.net_total for d in documents],
            "tax_total": [d.tax_total for d in documents],
            "amount": [d.gross_total for d in documents],
            "status": [settlement_status(d.status.value) for d in documents],
        },
    )


def erp_payment(payment: v1.Payment) -> PaymentRecord:
    return PaymentRecord(
        payment.id, payment.received_on, payment.invoice, payment.amount, payment.currency
    )


def hub_billed_time(state: BillingState) -> list[WorkRecord]:
    """Time the hub billed, net of credit notes (entries credited to nothing drop out)."""
    records = []
    for billed in state.ledger.entries.values():
        if billed.hours == 0:
            continue
        contract = state.contracts.get(billed.contract)
        currency = contract.currency if contract else None
        amount = billed.hours * billed.unit_price
        records.append(
            WorkRecord(
                billed.entry,
                billed.work_date,
                billed.contract,
                billed.hours,
                round_to_currency(amount, currency) if currency else amount,
                currency,
            )
        )
    return records


def psa_approved_time(entries: Iterable[v1.TimeEntry], state: BillingState) -> list[WorkRecord]:
    """Approved billable time in the PSA, valued at the hub's rate on the work date when
    the hub knows the contract and the resource (else the amount is unknown). Time on a
    fixed-fee or retainer term is left out: it is never billed by the hour."""
    records: dict[str, WorkRecord] = {}
    for entry in entries:
        record = approved_record(entry, state)
        if record is not None:
            records[entry.id] = record
    return list(records.values())


def approved_record(entry: v1.TimeEntry, state: BillingState) -> WorkRecord | None:
    """One PSA entry as `psa_approved_time` counts it (None: not approved billable time
    billed by the hour), valued with `state`'s contract, resource and rates."""
    if entry.status is not v1.ApprovalStatus.APPROVED:
        return None
    contract = state.contracts.get(entry.contract)
    if not bills_by_the_hour(contract, entry.term, entry.billable):
        return None
    value: Decimal | None = None
    if contract is not None:
        work = TimeEntry(
            entry.id, entry.contract, entry.term, entry.resource, entry.date, entry.hours
        )
        value = standard_value(state, contract, work)
    return WorkRecord(
        entry.id,
        entry.date,
        entry.contract,
        entry.hours,
        value,
        contract.currency if contract else None,
    )


def unique(records: Iterable[Record]) -> Sequence[Record]:
    """One record per key (the last one read wins), as the comparisons require; columns
    stay columns."""
    if isinstance(records, RecordColumns):
        return records.unique()
    return list({record.key: record for record in records}.values())


def _time(entry: str) -> str:
    return f"time_entry:{entry}"


def _hub_items(document: Document, line: DocumentLine) -> list[tuple[str, Decimal]]:
    """(item key, the line's net for it) of one line of a document the hub issued."""
    if line.kind is LineKind.TIME:
        return [(_time(entry), hours * line.unit_price) for entry, hours in line.items]
    if line.kind is LineKind.CORRECTION and line.entry:
        # A time correction names its term; an expense correction has none.
        key = _time(line.entry) if line.term else f"expense:{line.entry}"
        return [(key, line.net)]
    if line.kind is LineKind.EXPENSE:
        return [(f"expense:{expense}", line.net) for expense, _ in line.items]
    if line.kind is LineKind.MILESTONE:
        prefix = f"milestone:{document.contract}/{line.term}"
        return [(f"{prefix}/{milestone}", line.net) for milestone, _ in line.items]
    return []


def hub_charges(issued: Iterable[Document]) -> list[ChargeRecord]:
    """What each line of the hub's documents bills: time entries, expenses, milestones.

    A correction belongs to the billing of the invoice it corrects (`reference`)."""
    documents = list(issued)
    credited = {d.number for d in documents if d.status is DocumentStatus.CREDITED}
    charges = []
    for document in documents:
        for line in document.lines:
            origin = document.number
            if line.kind is LineKind.CORRECTION and line.reference:
                origin = line.reference
            charges += [
                ChargeRecord(
                    key,
                    document.issue_date,
                    document.number,
                    origin,
                    amount,
                    document.currency,
                    origin in credited,
                )
                for key, amount in _hub_items(document, line)
            ]
    return charges


def _line_items(invoice: v1.Invoice, line: v1.InvoiceLine) -> list[tuple[str, Decimal]]:
    """(item key, the line's net for it) of a canonical line. A line naming several
    entries without their hours shares its net equally among them."""
    ids = line.time_entry_ids
    if line.kind in (v1.ChargeKind.TIME, v1.ChargeKind.CORRECTION) and ids:
        if line.kind is v1.ChargeKind.TIME and len(line.time_entry_hours) == len(ids):
            shares = [hours * line.unit_price for hours in line.time_entry_hours]
        else:
            shares = [line.net / len(ids)] * len(ids)
        return [(_time(entry), share) for entry, share in zip(ids, shares, strict=True)]
    if line.kind in (v1.ChargeKind.EXPENSE, v1.ChargeKind.CORRECTION) and line.expense_id:
        return [(f"expense:{line.expense_id}", line.net)]
    if line.kind is v1.ChargeKind.MILESTONE and line.milestone_id:
        return [(f"milestone:{invoice.contract}/{line.term}/{line.milestone_id}", line.net)]
    return []


def document_charges(invoices: Sequence[v1.Invoice]) -> list[ChargeRecord]:
    """What each line of a system's documents bills, read back from that system.

    Canonical lines carry no reference of their own: a correction belongs to the
    billing of the invoice among its document's `references` that billed the item
    (else its only reference, else the document itself)."""
    lines = [(i, ln, _line_items(i, ln)) for i in invoices for ln in i.lines]
    first_charges = {
        (invoice.business_key(), key)
        for invoice, line, items in lines
        if line.kind is not v1.ChargeKind.CORRECTION
        for key, _ in items
    }
    credited = {i.business_key() for i in invoices if i.status is v1.InvoiceStatus.CREDITED}
    charges = []
    for invoice, line, items in lines:
        number = invoice.business_key()
        for key, amount in items:
            origin = number
            if line.kind is v1.ChargeKind.CORRECTION:
                origin = _corrected(invoice, key, first_charges)
            charges.append(
                ChargeRecord(
                    key,
                    invoice.issue_date,
                    number,
                    origin,
                    amount,
                    invoice.currency,
                    origin in credited,
                )
            )
    return charges


def _corrected(invoice: v1.Invoice, key: str, first_charges: set[tuple[str, str]]) -> str:
    for reference in invoice.references:
        if (reference, key) in first_charges:
            return reference
    return invoice.references[0] if len(invoice.references) == 1 else invoice.business_key()
