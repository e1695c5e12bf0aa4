"""A step on a slice of the stored book ends where the same step on the whole book ends.

The same applied records (new, corrected and moved time entries, an expense, payments
on known, unknown and no invoices, a repeat) and the same invoice run go once through
the row store, which loads only the rows each step names, and once through a store
that hands out the whole book; the books, the problems and the documents must match.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Engine

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.adapters.transactions import SqlAlchemyTransactions
from accord.application.billing import BillingBook, BillingService
from accord.application.ports import BusinessObject
from accord.canonical import v1
from accord.canonical.base import CanonicalModel
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import approve_time
from tests.unit.billing.builders import FEB, JAN, entry, make_state
from tests.unit.kpis.fakes import FakeAppliedRecords, FakeBillingStore


def _book() -> BillingBook:
    """K1, K2 and K3: January invoiced on each, K1 also holding unbilled February time."""
    state = make_state()
    k1 = state.contracts["K1"]
    state = replace(state, contracts={k: replace(k1, id=k) for k in ("K1", "K2", "K3")})
    january = [
        replace(entry(f"JK{k}-{i}", 5 + i, "3"), contract=f"K{k}") for k in "123" for i in (0, 1)
    ]
    state = run_invoicing(approve_time(state, january), JAN).state
    state = approve_time(state, [entry("F1-moving", 3, "2", month=2)])
    return BillingBook(state)


def _time(id_: str, contract: str, day: date, hours: str) -> v1.TimeEntry:
    return v1.TimeEntry(
        id=id_, contract=contract, term="TM", resource="R1", date=day, hours=Decimal(hours)
    )


def _payment(id_: str, invoice: str | None, amount: str) -> v1.Payment:
    return v1.Payment(
        id=id_, invoice=invoice, amount=Decimal(amount), currency="EUR", received_on=FEB
    )


def _records(book: BillingBook) -> list[BusinessObject]:
    invoices = list(book.state.ledger.documents)
    models: list[CanonicalModel] = [
        _time("F2-new", "K2", date(2026, 2, 4), "5"),
        _time("JK1-0", "K1", date(2026, 1, 5), "4"),  # a correction of invoiced time
        _time("F1-moving", "K3", date(2026, 2, 3), "2"),  # moved before it was invoiced
        _payment("P1", invoices[1], "100"),
        _payment("P1", invoices[1], "100"),  # reported twice, applied once
        _payment("P2", None, "50"),  # names no invoice
        _payment("P3", "INV-NOWHERE-1", "10"),
        v1.Expense(
            id="X1",
            contract="K3",
            resource="R1",
            date=date(2026, 2, 2),
            amount=Decimal("12.50"),
            currency="EUR",
        ),
        _time("F3-late", "K3", date(2026, 2, 9), "1"),
    ]
    return [
        BusinessObject(m.SCHEMA_NAME, m.business_key(), "1", m.model_dump_json(), n, n)
        for n, m in enumerate(models, start=1)
    ]


def test_steps_on_slices_end_where_steps_on_the_whole_book_end(engine: Engine) -> None:
    book = _book()
    records = FakeAppliedRecords(_records(book))
    rows = SqlAlchemyBillingStateStore(engine)
    rows.save(book, 0)
    whole = FakeBillingStore(book)
    sliced = BillingService(rows, records, batch_size=2, transaction=SqlAlchemyTransactions(engine))
    reference = BillingService(whole, records, batch_size=2)

    problems = [p.subject for p in sliced.catch_up().problems]
    assert problems == [p.subject for p in reference.catch_up().problems]
    assert problems  # the payments naming no invoice and an unknown one
    assert rows.load() == (whole.book, whole.checkpoint)
    assert rows.holders(["F1-moving"]) == {"F1-moving": "K3"}

    issued = sliced.run_invoices(FEB, "K3").documents
    assert issued == reference.run_invoices(FEB, "K3").documents
    assert issued  # the moved entry, the late one and the expense
    everything = sliced.run_invoices(FEB).documents
    assert everything == reference.run_invoices(FEB).documents
    assert {d.contract for d in everything} == {"K1", "K2"}
    assert rows.load() == (whole.book, whole.checkpoint)
    stored, kept = rows.load()[0], whole.book
    assert stored is not None and kept is not None
    assert list(stored.state.ledger.documents) == list(kept.state.ledger.documents)
