"""A month's journals read the row store a chunk of contracts at a time (SQLite and
PostgreSQL): no read holds more contracts than a chunk, nothing loads the whole book,
and the postings (revenue and intercompany, by month then id) are those of the whole
book."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy.engine import Engine

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.application.billing import BillingBook, BillingService
from accord.application.journals import LedgerJournals, ledger_postings
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_time
from accord.domain.calendar import Period
from tests.integration.billing.chunks import (
    CHUNK,
    CONTRACTS,
    WatchedRows,
    five_contracts,
    worked_months,
)
from tests.unit.billing.builders import JAN, make_state
from tests.unit.kpis.fakes import FakeAppliedRecords
from tests.unit.revenue.journal_builders import uk_charge


def _state() -> BillingState:
    """Five contracts: January invoiced, February worked and not yet invoiced; two of
    them with an intercompany charge."""
    state = make_state()
    state = five_contracts(state)
    worked = worked_months(1, 2)
    state = run_invoicing(approve_time(state, worked), JAN).state
    charges = (
        replace(uk_charge("880.00"), contract="K2"),
        replace(uk_charge("-80.00"), contract="K5"),
    )
    return replace(state, ledger=replace(state.ledger, intercompany=charges))


def test_a_months_journals_read_a_chunk_of_contracts_at_a_time(engine: Engine) -> None:
    state = _state()
    rows = SqlAlchemyBillingStateStore(engine)
    rows.save(BillingBook(state), 0)
    watched = WatchedRows(rows)
    billing = BillingService(watched, FakeAppliedRecords(), run_chunk=CHUNK)  # type: ignore[arg-type]
    journals = LedgerJournals(billing)
    every = ledger_postings(state)

    for period in (Period.of(JAN), Period.of(date(2026, 2, 1)), None):
        wanted = [p for p in every if period is None or p.dimensions["period"] == str(period)]
        assert journals.postings(period) == wanted
    assert {p.dimensions["kind"] for p in every} >= {"revenue", "intercompany_revenue"}
    assert {p.dimensions["contract"] for p in every} == set(CONTRACTS)
    assert watched.loaded and max(watched.loaded) == CHUNK
