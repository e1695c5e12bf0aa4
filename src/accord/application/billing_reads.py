"""Reads of the billing book, whole or in parts, and the store they read.

`Slice` names the rows a step or a read needs; `BillingStateStore` hands them out. A
report over every contract reads the book a chunk of contracts at a time
(`by_contracts`), a look-up the rows of what it names (a document, entries, a
contract's slice), so nothing but `state()` and `book()` holds the whole book.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from accord.application.billing_records import EMPTY, BillingBook
from accord.domain.billing.documents import Document, DocumentStatus
from accord.domain.billing.ledger import BilledEntry, IntercompanyCharge
from accord.domain.billing.state import BillingState


@dataclass(frozen=True, slots=True)
class Slice:
    """The rows of the book a step reads (and may change); the firm-wide data (master
    data, counters, closed periods, pending decisions and feedback) always comes with it.
    The empty slice is the firm-wide data alone."""

    contracts: Collection[str] = ()
    """Contracts loaded whole: terms, items, documents, ledger (an invoice run)."""
    terms: Collection[str] = ()
    """Contracts whose terms and settings are loaded (signing day, milestones, cap
    changes, rate versions used, activation), not their items or documents."""
    entries: Collection[str] = ()
    """Time entries by id, wherever held, with how they stand billed."""
    expenses: Collection[str] = ()
    documents: Collection[str] = ()
    """Documents by number, with their posting time."""
    payments: Collection[str] = ()
    runs: Collection[str] = ()
    """Contracts read for an invoice run: their terms, balances and run basis, and their
    unsettled items with how those stand billed and the invoices they stand on, not the
    settled rest of their history; a contract no run has settled yet comes whole."""


RUN_CHUNK = 1_000
"""Contracts an all-contracts invoice run (or a report over every contract) loads at a
time. Every load brings the firm-wide rows too (and a run reads them again to number
its documents), so a chunk much smaller than the firm's master data costs more in
those rows than in its own."""


class BillingStateStore(Protocol):
    """Persists the billing book by slice and how far it has read the applied records."""

    def load(self, scope: Slice | None = None) -> tuple[BillingBook | None, int]:
        """The whole book (None) or the rows `scope` names, with the checkpoint."""
        ...

    def last_checkpoint(self) -> int:
        """How far billing has read the applied records, without loading any rows."""
        ...

    def save(
        self, book: BillingBook, checkpoint: int | None, before: BillingBook | None = None
    ) -> None:
        """Write what `book` changed from `before` (as loaded), and the checkpoint."""
        ...

    def exclusive(self, names: Collection[str]) -> AbstractContextManager[None]:
        """Hold off every other writer (thread or process) holding any of `names`."""
        ...

    def holders(self, entries: Iterable[str]) -> dict[str, str]: ...

    def contracts_of(self, documents: Iterable[str]) -> dict[str, str]: ...

    def document(self, number: str) -> Document | None: ...

    def documents(self, status: str | None = None) -> list[Document]: ...

    def entries_billed_on(self, number: str) -> list[str]: ...

    def contract_ids(self) -> list[str]:
        """Every contract, in onboarding order."""
        ...

    def signed(self) -> dict[str, date]: ...

    def intercompany(self, contracts: Collection[str]) -> list[IntercompanyCharge]:
        """The intercompany charges of `contracts`, in the order they were charged."""
        ...


class BillingReads:
    """The billing book's reads: by slice, by contract chunk, by document."""

    def __init__(self, store: BillingStateStore, run_chunk: int = RUN_CHUNK) -> None:
        self._store = store
        self._run_chunk = run_chunk

    def _load(self, scope: Slice | None = None) -> tuple[BillingBook, int]:
        book, checkpoint = self._store.load(scope)
        return book or BillingBook(EMPTY), checkpoint

    def state(self) -> BillingState:
        """The whole engine state (reports over the whole book; steps load slices)."""
        return self._load()[0].state

    def book(self) -> BillingBook:
        """The state with its payments and activation and posting times."""
        return self._load()[0]

    def firm_state(self) -> BillingState:
        """The firm-wide data alone (entities, FX and tax, customers, resources, closed
        periods, counters), without any contract's rows."""
        return self._load(Slice())[0].state

    def document_state(self, number: str) -> BillingState:
        """The firm-wide data with document `number` and the documents it corrects (what
        an e-invoice of it names), without the rest of the book."""
        state = self._load(Slice(documents=[number]))[0].state
        document = state.ledger.documents.get(number)
        if document is None or not document.references:
            return state
        return self._load(Slice(documents=[number, *document.references]))[0].state

    def by_contracts(self) -> Iterator[BillingState]:
        """The state a chunk of contracts at a time (see `books_by_contracts`)."""
        return (book.state for book in self.books_by_contracts())

    def books_by_contracts(self) -> Iterator[BillingBook]:
        """The book a chunk of contracts at a time (`run_chunk`, in onboarding order):
        each chunk's contracts with their rows (their documents' posting times and their
        activation times too) and intercompany charges, and the firm-wide data, read on
        its own, so a report over every contract never holds the whole book (each chunk
        is consistent in itself, not with the others)."""
        for chunk in self._contract_chunks():
            book = self._load(Slice(chunk))[0]
            state = book.state
            charges = tuple(self._store.intercompany(chunk))
            contracts = {c: state.contracts[c] for c in chunk if c in state.contracts}
            ledger = replace(state.ledger, intercompany=charges)
            yield replace(book, state=replace(state, contracts=contracts, ledger=ledger))

    def billed_among(self, entries: Iterable[str]) -> set[str]:
        """Which of `entries` (time entry ids) stand billed (their billed rows alone)."""
        wanted = list(entries)
        billed = self._load(Slice(entries=wanted))[0].state.ledger.entries
        return {entry for entry in wanted if entry in billed}

    def contract_state(self, contract: str, item: str) -> BillingState:
        """`contract`'s rows, time entry or expense `item` wherever held, and the
        firm-wide data: what a change to `item` on `contract` is valued against."""
        scope = Slice(contracts=[contract], entries=[item], expenses=[item])
        return self._load(scope)[0].state

    def held_among(self, entries: Iterable[str]) -> set[str]:
        """Which of `entries` (time entry ids) the hub holds, on whatever contract."""
        return set(self._store.holders(entries))

    def signed_contracts(self) -> dict[str, date]:
        """Signed contracts and their signing day (read without the rest of the book)."""
        return self._store.signed()

    def _contract_chunks(self) -> list[list[str]]:
        """Every contract in onboarding order, `run_chunk` at a time."""
        every, size = self._store.contract_ids(), self._run_chunk
        return [every[start : start + size] for start in range(0, len(every), size)]

    def document(self, number: str) -> Document | None:
        return self._store.document(number)

    def documents(self, status: DocumentStatus | None = None) -> Sequence[Document]:
        """Every document in issue order, or those in `status` (an indexed read)."""
        return self._store.documents(None if status is None else status.value)

    def entries_billed_on(self, number: str) -> list[str]:
        """Time entries whose billed state stands on document `number`."""
        return self._store.entries_billed_on(number)

    def billed_on(self, number: str) -> list[BilledEntry]:
        """How each time entry billed on document `number` stands billed (its billed
        rows alone, not the book)."""
        entries = self.entries_billed_on(number)
        ledger = self._load(Slice(entries=entries))[0].state.ledger
        return [e for e in ledger.entries.values() if e.invoice == number]

    def amendments_due(self) -> dict[str, int]:
        """Amended contracts whose terms other systems have yet to receive (see the book)."""
        return dict(self._load(Slice())[0].amendments)

    def payments_to_feed_back(self) -> tuple[str, ...]:
        """Payments applied whose feedback to billing and the CRM has not finished."""
        return self._load(Slice())[0].feedback_due

    def is_activated(self, contract: str) -> bool:
        """Whether `mark_activated` was called for the contract (its slice only)."""
        return contract in self._load(Slice(terms=[contract]))[0].activated_at
