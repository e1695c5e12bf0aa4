"""What reconciliation reads of the hub's own billing book, whole or in parts.

A run compares the time the hub billed and the time the PSA approved (valued at the
hub's rates), the items the hub's documents bill, and leaves out the documents still
being posted. `whole(state)` reads them from one billing state; `in_parts(book)` from a
book read a chunk of contracts at a time and by document status, so a run over years of
history never holds the whole book (the documents, which a run compares one by one, are
read as documents alone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from accord.application import reconciliation_mapping as mapping
from accord.application.billing_records import EMPTY
from accord.canonical import v1
from accord.domain.billing.documents import Document, DocumentStatus
from accord.domain.billing.state import BillingState
from accord.domain.reconciliation import ChargeRecord, DocumentRecord, WorkRecord
from accord.domain.reconciliation.columns import RecordColumns


class HubBook(Protocol):
    """The billing book read in parts (`BillingService` has it): a chunk of contracts at
    a time, its documents (by status), and which of some time entries stand billed."""

    def by_contracts(self) -> Iterable[BillingState]: ...

    def documents(self, status: DocumentStatus | None = None) -> Sequence[Document]: ...

    def billed_among(self, entries: Iterable[str]) -> set[str]: ...


@dataclass(frozen=True, slots=True)
class HubSide:
    """The hub's side of the comparisons a run makes."""

    billed_time: Callable[[], list[WorkRecord]]
    approved_time: Callable[[Sequence[v1.TimeEntry]], list[WorkRecord]]
    """The PSA's approved entries as the hub values them."""
    charges: Callable[[], list[ChargeRecord]]
    documents: Callable[[], RecordColumns[DocumentRecord]]
    being_posted: Callable[[], set[str]]
    """The documents issued whose posting flow has not finished."""


def whole(state: BillingState) -> HubSide:
    """The hub's side read from one billing state."""
    documents = state.ledger.documents.values()
    return HubSide(
        lambda: mapping.hub_billed_time(state),
        lambda entries: mapping.psa_approved_time(entries, state),
        lambda: mapping.hub_charges(documents),
        lambda: mapping.hub_documents(documents),
        lambda: {d.number for d in documents if d.status is DocumentStatus.ISSUED},
    )


def in_parts(book: HubBook) -> HubSide:
    """The hub's side read a chunk of contracts at a time (time) and as documents."""
    return HubSide(
        lambda: [
            record
            for state in book.by_contracts()
            for record in mapping.hub_billed_time(state)
            if record.contract in state.contracts
        ],
        lambda entries: _approved_in_parts(entries, book),
        lambda: mapping.hub_charges(book.documents()),
        lambda: mapping.hub_documents(book.documents()),
        lambda: {d.number for d in book.documents(DocumentStatus.ISSUED)},
    )


def _approved_in_parts(entries: Sequence[v1.TimeEntry], book: HubBook) -> list[WorkRecord]:
    """`psa_approved_time` with each entry valued on its contract's chunk (an entry of a
    contract the hub does not hold, on none): the same records in the same order."""
    waiting: dict[str, list[int]] = {}
    for index, entry in enumerate(entries):
        waiting.setdefault(entry.contract, []).append(index)
    valued: dict[int, WorkRecord | None] = {}
    for state in book.by_contracts():
        for contract in state.contracts:
            for index in waiting.pop(contract, []):
                valued[index] = mapping.approved_record(entries[index], state)
    for indexes in waiting.values():
        for index in indexes:
            valued[index] = mapping.approved_record(entries[index], EMPTY)
    records: dict[str, WorkRecord] = {}
    for index in sorted(valued):
        record = valued[index]
        if record is not None:
            records[record.key] = record
    return list(records.values())
