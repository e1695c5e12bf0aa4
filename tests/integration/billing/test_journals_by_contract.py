"""A month's journals read the row store a chunk of contracts at a time (SQLite and
PostgreSQL): no read holds more contracts than a chunk, nothing loads the whole book,
and the postings (revenue and intercompany, by month then id) are those of the whole
book."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.adapters.store import create_store_engine, migrate
from accord.application.billing import BillingBook, BillingService
from accord.application.journals import LedgerJournals, ledger_postings
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_time
from accord.domain.calendar import Period
from tests.integration.billing.test_chunked_run import WatchedRows
from tests.unit.billing.builders import JAN, entry, make_state
from tests.unit.kpis.fakes import FakeAppliedRecords
from tests.unit.revenue.journal_builders import uk_charge

CONTRACTS = ("K1", "K2", "K3", "K4", "K5")
CHUNK = 2


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'accord.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = create_store_engine(url)
    migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _state() -> BillingState:
    """Five contracts: January invoiced, February worked and not yet invoiced; two of
    them with an intercompany charge."""
    state = make_state()
    k1 = state.contracts["K1"]
    state = replace(state, contracts={k: replace(k1, id=k) for k in CONTRACTS})
    worked = [
        replace(entry(f"{k}-{month}", 5 + n, str(2 + n), month=month), contract=k)
        for n, k in enumerate(CONTRACTS)
        for month in (1, 2)
    ]
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
