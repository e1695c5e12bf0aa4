"""The business KPIs read the row store's document rows, signing days and the rest of
the book a chunk of contracts at a time (SQLite and PostgreSQL): no read holds more
contracts than a chunk, nothing loads the whole book, and every figure is the one the
whole book gives (activation and cycle times, first-time posting, billed vs approved
with overdue time, backlog conversion, disputes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.application.billing import BillingBook, BillingService
from accord.application.reconciliation import ReconciliationService, ReconciliationSources
from accord.application.reports import HubReports
from accord.domain.billing.payments import confirm_posting
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import approve_time
from tests.integration.billing.chunks import (
    CHUNK,
    CONTRACTS,
    WatchedRows,
    worked_months,
)
from tests.unit.billing.builders import JAN, make_state, tm_term
from tests.unit.kpis.fakes import FakeAppliedRecords, FakeBillingStore, FakeExceptionHistory

CLOCK = lambda: datetime(2026, 4, 15, 12, tzinfo=UTC)  # noqa: E731


def _book() -> BillingBook:
    """Five capped contracts signed on 2 January, three of them active since; January
    invoiced (two invoices confirmed posted), February worked and never invoiced."""
    state = make_state(tm_term(cap="600"))
    k1 = state.contracts["K1"]
    state = replace(
        state,
        contracts={k: replace(k1, id=k) for k in CONTRACTS},
        signed=dict.fromkeys(CONTRACTS, date(2026, 1, 2)),
    )
    worked = worked_months(1, 2)
    state = run_invoicing(approve_time(state, worked), JAN).state
    posted = list(state.ledger.documents)[1:3]
    for number in posted:
        state = confirm_posting(state, number)
    return BillingBook(
        state,
        activated_at={
            k: datetime(2026, 1, 3 + n, tzinfo=UTC) for n, k in enumerate(["K1", "K3", "K4"])
        },
        posted_at={number: datetime(2026, 2, 1, 5, tzinfo=UTC) for number in posted},
    )


def _reports(billing: BillingService, book: bool) -> HubReports:
    reconciliation = ReconciliationService(
        ReconciliationSources(), billing.state, None, CLOCK, book=billing if book else None
    )
    return HubReports(billing, reconciliation, CLOCK, FakeExceptionHistory())


def test_the_kpis_read_a_chunk_of_contracts_at_a_time(engine: Engine) -> None:
    book = _book()
    rows = SqlAlchemyBillingStateStore(engine)
    rows.save(book, 0)
    watched = WatchedRows(rows)
    sliced = BillingService(watched, FakeAppliedRecords(), run_chunk=CHUNK)  # type: ignore[arg-type]
    whole = BillingService(FakeBillingStore(book), FakeAppliedRecords())

    kpis = _reports(sliced, book=True).kpis()

    assert kpis == _reports(whole, book=False).kpis()
    assert kpis["contract_activation"]["measured"] == 3
    assert kpis["invoice_cycle"]["measured"] == 2
    [row] = kpis["billed_vs_approved"]
    assert row["unbilled_time_overdue_entries"] == len(CONTRACTS)
    assert watched.loaded and max(watched.loaded) == CHUNK
