"""Reading the slice of the billing book a step names (`Slice`), by index.

Each part of a slice is one or a few indexed queries (by contract and part, by part and
`ref`, by part and key), `CHUNK` values at a time; the rows come back in `seq` order, the
book's order. An invoice run's slice (`Slice.runs`) is read in three rounds: the
contracts' rows but their history, then their unsettled items with how those stand
billed, then the invoices those stand on.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from accord.adapters.billing_rows import (
    FIRM,
    INTERCOMPANY,
    ITEMS,
    PARTS,
    RUN_BASIS,
    UNSETTLED,
    billing_rows,
    decode,
    decode_key,
    encode_key,
)
from accord.application.billing import Slice
from accord.domain.billing.charges import DECLINED_EXPENSE

_r = billing_rows.c

CHUNK = 500


def chunks(values: Iterable[str]) -> Iterator[list[str]]:
    """`values` sorted and without repeats, `CHUNK` at a time (one query each)."""
    batch = sorted(set(values))
    for start in range(0, len(batch), CHUNK):
        yield batch[start : start + CHUNK]


Found = dict[int, Any]
"""Rows read, by `seq`."""
Where = Callable[[list[str]], sa.ColumnElement[bool]]
ROWS = sa.select(_r.seq, _r.part, _r.key, _r.contract, _r.ref, _r.data)
_TERMS = ("contract", "signed", "withdrawn", "milestone", "cap_change", "used_rate", "activated_at")
"""The parts of a contract's terms and settings, without its items and documents."""
_HISTORY = (
    *ITEMS,
    "stale_delivery",
    "document",
    "billed_entry",
    "billed_expense",
    "expense_billed",
    "declined",
    "payment",
    "posted_at",
)
"""The parts that grow with a contract's history (besides intercompany charges, which no
slice reads): a run reads them for its unsettled items alone."""
_RUN_PARTS = tuple(part for part in PARTS if part not in (*_HISTORY, INTERCOMPANY))


def _keys(values: list[str]) -> list[str]:
    return [encode_key(value) for value in values]


def _read(conn: sa.Connection, wanted: list[tuple[Iterable[str], Where]], found: Found) -> Found:
    """Add the rows each (values, where) names to `found`, `_CHUNK` values a query."""
    for values, where in wanted:
        for chunk in chunks(values):
            found.update({int(r.seq): r for r in conn.execute(ROWS.where(where(chunk)))})
    return found


def _by_key(parts: tuple[str, ...], keys: Callable[[list[str]], list[str]]) -> Where:
    return lambda c: _r.part.in_(parts) & _r.key.in_(keys(c))


def _unsettled_keys(part: str) -> Callable[[list[str]], list[str]]:
    return lambda items: [encode_key((part, item)) for item in items]


def _items(
    entries: Collection[str], expenses: Collection[str]
) -> list[tuple[Iterable[str], Where]]:
    """Time entries and expenses by id, wherever held, with how they stand billed."""
    return [
        (entries, lambda c: (_r.part == "time_entry") & _r.ref.in_(c)),
        (expenses, lambda c: (_r.part == "expense") & _r.ref.in_(c)),
        ([*entries, *expenses], _by_key(("billed_entry", "stale_delivery", "declined"), _keys)),
        (entries, _by_key((UNSETTLED,), _unsettled_keys("time_entry"))),
        (expenses, _by_key((UNSETTLED,), _unsettled_keys("expense"))),
    ]


def read_slice(conn: sa.Connection, scope: Slice) -> list[Any]:
    """The rows `scope` names and the firm-wide ones, in `seq` order (by index)."""
    wanted: list[tuple[Iterable[str], Where]] = [
        ([FIRM, *scope.contracts], lambda c: _r.contract.in_(c) & (_r.part != INTERCOMPANY)),
        (scope.terms, lambda c: _r.contract.in_(c) & _r.part.in_(_TERMS)),
        *_items(scope.entries, scope.expenses),
        (scope.documents, _by_key(("document", "posted_at"), _keys)),
        (scope.payments, _by_key(("payment",), _keys)),
    ]
    found = _read(conn, wanted, {})
    if scope.runs:
        _run_rows(conn, scope.runs, found)
    return [found[seq] for seq in sorted(found)]


def _run_rows(conn: sa.Connection, contracts: Collection[str], found: Found) -> None:
    """What an invoice run of `contracts` reads (`Slice.runs`): their rows but the
    history, then their unsettled items with how those stand billed and the invoices
    they stand on; a contract without a run basis, all its rows."""
    terms = _read(conn, [(contracts, lambda c: _r.contract.in_(c) & _r.part.in_(_RUN_PARTS))], {})
    found.update(terms)
    rows = terms.values()
    based = {r.contract for r in rows if r.part == RUN_BASIS}
    whole = [c for c in contracts if c not in based]
    _read(conn, [(whole, lambda c: _r.contract.in_(c) & _r.part.in_(_HISTORY))], found)
    unsettled = [
        decode_key(UNSETTLED, r.key) for r in rows if r.part == UNSETTLED and r.contract in based
    ]
    entries = [item for part, item in unsettled if part == "time_entry"]
    expenses = [item for part, item in unsettled if part == "expense"]
    expense_rows = _by_key(("billed_expense", "expense_billed"), _keys)
    declined = _by_key(("declined",), lambda c: _keys([DECLINED_EXPENSE + e for e in c]))
    billed = _read(
        conn, [*_items(entries, expenses), (expenses, expense_rows), (expenses, declined)], {}
    )
    found.update(billed)
    invoices = {r.ref for r in billed.values() if r.part == "billed_entry" and r.ref}
    invoices.update(
        decode(r.part, r.key, r.data)[1] for r in billed.values() if r.part == "billed_expense"
    )
    _read(conn, [(invoices, _by_key(("document",), _keys))], found)
