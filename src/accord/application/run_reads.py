"""What an invoice run reads of its contracts, and what it settles for the next one.

A contract's history grows for years, and nearly all of it is billed and unchanged. So a
run reads each contract's terms and balances and only its unsettled items (new ones,
changed ones, ones still raising an exception: `Slice.runs`), as long as what its settled
items were priced against still holds (`domain.billing.settled`). It reads the contract
whole when that changed (an amendment, a resource's data, an FX quote dated in the past,
an earlier through date), when no run has settled it yet, and when a credit note it
issued takes an invoice to its gross (the engine then spreads the rest over invoices
only the whole history names). Each way, the engine issues exactly what it would over
the whole contract. After the run, the items it read that it left alone are settled,
with the basis they were priced against, in the same save.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import date
from typing import TypeVar

from accord.application.billing_reads import Slice
from accord.application.billing_records import BillingBook
from accord.domain.billing.run import InvoiceRunResult
from accord.domain.billing.settled import credits_beyond_room, holds, run_basis, settled_items
from accord.domain.billing.state import BillingState

Issue = Callable[[BillingState], InvoiceRunResult]
_T = TypeVar("_T")


class RunReads:
    """The reads of one run (or one signing, `through` None: its contracts whole and
    nothing settled) over `contracts`, under their locks."""

    def __init__(
        self, load: Callable[[Slice], BillingBook], contracts: list[str], through: date | None
    ) -> None:
        self._load = load
        self._contracts = contracts
        self._through = through
        self._whole: set[str] = set() if through is not None else set(contracts)

    def issue(self, issue: Issue) -> tuple[BillingBook, InvoiceRunResult]:
        """Read the contracts and issue on them; read again whole the contracts whose
        partial reading cannot give the whole run's result, and issue again."""
        while True:
            book = self._read()
            result = issue(book.state)
            spread = credits_beyond_room(result.documents, result.state.ledger) - self._whole
            if not spread:
                return book, result
            self._whole |= spread

    def _read(self) -> BillingBook:
        """The contracts' run slices, the ones whose basis no longer holds whole."""
        while True:
            partial = [c for c in self._contracts if c not in self._whole]
            book = self._load(Slice(contracts=sorted(self._whole), runs=partial))
            stale = {c for c in partial if not _holds(book, c, self._through)}
            if not stale:
                return book
            self._whole |= stale

    def settled(self, book: BillingBook, result: InvoiceRunResult) -> BillingBook:
        """`book` after `result` with the items of the contracts it ran that it left
        alone settled, and each contract's basis noted."""
        through = self._through
        if through is None:
            return replace(book, state=result.state)
        state = result.state
        entries, expenses = dict(book.settled_entries), dict(book.settled_expenses)
        bases = dict(book.run_bases)
        for contract in result.contracts:
            if contract not in state.contracts:
                continue
            settled = settled_items(state, contract, through)
            held = _mark(entries, state.time_entries.get(contract, {}), settled.entries)
            spent = _mark(expenses, state.expenses.get(contract, {}), settled.expenses)
            previous = None if contract in self._whole else bases.get(contract)
            bases[contract] = run_basis(state, contract, through, (held, spent), previous)
        return replace(
            book,
            state=state,
            settled_entries=entries,
            settled_expenses=expenses,
            run_bases=bases,
        )


def _holds(book: BillingBook, contract: str, through: date | None) -> bool:
    """Whether a contract read for a run may stay as read: one without a basis came whole
    (see `Slice.runs`), one with a basis needs it to hold."""
    basis = book.run_bases.get(contract)
    if basis is None:
        return True
    return through is not None and holds(basis, book.state, contract, through)


def _mark(settled: dict[str, _T], items: dict[str, _T], ids: Collection[str]) -> list[_T]:
    """Note `items` as settled (those in `ids`) or not in `settled`; the settled ones."""
    for item, value in items.items():
        if item in ids:
            settled[item] = value
        else:
            settled.pop(item, None)
    return [items[item] for item in ids]
