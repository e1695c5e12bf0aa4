"""What the chunk-by-chunk tests share: five contracts read two at a time, and a row
store that refuses a whole-book load."""

from __future__ import annotations

from dataclasses import replace

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.application.billing import BillingBook, Slice
from accord.domain.billing.state import BillingState
from accord.domain.delivery.model import TimeEntry
from tests.unit.billing.builders import entry

CONTRACTS = ("K1", "K2", "K3", "K4", "K5")
CHUNK = 2


class WatchedRows:
    """The row store, noting how many contracts each load hands out, and how much history
    (time entries, billed entries and documents); a load of the whole book is refused."""

    def __init__(self, rows: SqlAlchemyBillingStateStore) -> None:
        self.rows = rows
        self.loaded: list[int] = []
        self.history: list[int] = []

    def load(self, scope: Slice | None = None) -> tuple[BillingBook | None, int]:
        if scope is None:
            raise AssertionError("the whole book was loaded")
        book, checkpoint = self.rows.load(scope)
        self.loaded.append(0 if book is None else len(book.state.contracts))
        self.history.append(0 if book is None else _history(book.state))
        return book, checkpoint

    def __getattr__(self, name: str) -> object:
        return getattr(self.rows, name)


def _history(state: BillingState) -> int:
    ledger = state.ledger
    held = sum(len(entries) for entries in state.time_entries.values())
    return held + len(ledger.entries) + len(ledger.documents)


def five_contracts(state: BillingState) -> BillingState:
    """`state` with its contract K1 copied to each of `CONTRACTS`."""
    k1 = state.contracts["K1"]
    return replace(state, contracts={k: replace(k1, id=k) for k in CONTRACTS})


def worked_months(*months: int) -> list[TimeEntry]:
    """A growing amount of time on each contract in each of `months`."""
    return [
        replace(entry(f"{k}-{month}", 5 + n, str(2 + n), month=month), contract=k)
        for n, k in enumerate(CONTRACTS)
        for month in months
    ]
