"""Canonical objects and the hub's billing state -> reconciliation records.

Each function states what a system's record means for reconciliation: which date ageing
counts from, which amount is at risk, which fields that system does not maintain (None).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from accord.canonical import v1
from accord.domain.billing.state import BillingState
from accord.domain.delivery.model import TimeEntry
from accord.domain.money import round_to_currency
from accord.domain.reconciliation import (
    ContractRecord,
    DocumentRecord,
    PaymentRecord,
    WorkRecord,
    settlement_status,
    standard_value,
)
from accord.domain.reconciliation.records import Record


def signed_contract(contract: v1.Contract) -> ContractRecord:
    """A contract signed in the CLM: the reference every other system must match."""
    return ContractRecord(
        contract.id,
        contract.signed_on or contract.start,
        contract.customer,
        contract.entity,
        contract.currency,
    )


def erp_document(invoice: v1.Invoice) -> DocumentRecord:
    """A document the ERP holds; the ERP keeps the settlement status."""
    return DocumentRecord(
        invoice.business_key(),
        invoice.issue_date,
        invoice.contract,
        invoice.currency,
        invoice.net_total,
        invoice.tax_total,
        invoice.gross_total,
        settlement_status(invoice.status.value),
    )


def billing_document(invoice: v1.Invoice) -> DocumentRecord:
    """A document the billing system holds. Its status is the one recorded at issue and
    is not moved by payments there, so it is not compared (None)."""
    return DocumentRecord(
        invoice.business_key(),
        invoice.issue_date,
        invoice.contract,
        invoice.currency,
        invoice.net_total,
        invoice.tax_total,
        invoice.gross_total,
        None,
    )


def hub_documents(state: BillingState) -> list[DocumentRecord]:
    """The documents the hub issued: what billing and the ERP must both hold."""
    return [
        DocumentRecord(
            document.number,
            document.issue_date,
            document.contract,
            document.currency,
            document.net_total,
            document.tax_total,
            document.gross_total,
            settlement_status(document.status.value),
        )
        for document in state.ledger.documents.values()
    ]


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
    the hub knows the contract and the resource (else the amount is unknown)."""
    records: dict[str, WorkRecord] = {}
    for entry in entries:
        if entry.status is not v1.ApprovalStatus.APPROVED or not entry.billable:
            continue
        contract = state.contracts.get(entry.contract)
        value: Decimal | None = None
        if contract is not None:
            work = TimeEntry(
                entry.id, entry.contract, entry.term, entry.resource, entry.date, entry.hours
            )
            value = standard_value(state, contract, work)
        records[entry.id] = WorkRecord(
            entry.id,
            entry.date,
            entry.contract,
            entry.hours,
            value,
            contract.currency if contract else None,
        )
    return list(records.values())


def unique(records: Iterable[Record]) -> list[Record]:
    """One record per key (the last one read wins), as the comparisons require."""
    return list({record.key: record for record in records}.values())
