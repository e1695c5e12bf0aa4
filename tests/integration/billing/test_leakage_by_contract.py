"""Revenue leakage reads the row store a chunk of contracts at a time (SQLite and
PostgreSQL), and the billed rows of the entries reconciliation reported alone: no read
holds more contracts than a chunk, nothing loads the whole book, and the report is the
one the whole book gives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Engine

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.application.billing import BillingBook, BillingService
from accord.application.reconciliation import ReconciliationService, ReconciliationSources
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_time
from accord.domain.reconciliation import LeakageItem, LeakageSource, revenue_leakage
from tests.integration.billing.chunks import (
    CHUNK,
    CONTRACTS,
    WatchedRows,
    five_contracts,
    worked_months,
)
from tests.unit.billing.builders import JAN, make_state, tm_term
from tests.unit.kpis.fakes import FakeAppliedRecords

APRIL = date(2026, 4, 15)


def _state() -> BillingState:
    """Five capped contracts: January invoiced (the larger ones over their cap),
    February worked and never invoiced."""
    state = make_state(tm_term(cap="600"))
    state = five_contracts(state)
    worked = worked_months(1, 2)
    return run_invoicing(approve_time(state, worked), JAN).state


def _told(key: str) -> LeakageItem:
    return LeakageItem(LeakageSource.UNBILLED_TIME, "K2", key, Decimal(300), "EUR", 60)


def test_leakage_reads_a_chunk_of_contracts_at_a_time(engine: Engine) -> None:
    state = _state()
    rows = SqlAlchemyBillingStateStore(engine)
    rows.save(BillingBook(state), 0)
    watched = WatchedRows(rows)
    billing = BillingService(watched, FakeAppliedRecords(), run_chunk=CHUNK)  # type: ignore[arg-type]
    service = ReconciliationService(
        ReconciliationSources(),
        billing.state,
        None,
        lambda: None,
        book=billing,  # type: ignore[arg-type, return-value]
    )
    reported = [_told("K2-1"), _told("PSA-ONLY"), _told("K3-2")]  # billed, unknown, unbilled

    report = service.leakage(APRIL, reported)

    assert report == revenue_leakage(state, APRIL, 30, reported)
    sources = {item.source for item in report.items}
    assert sources == {LeakageSource.UNBILLED_TIME, LeakageSource.CAP_WRITE_DOWN}
    assert "PSA-ONLY" in {item.key for item in report.items}
    assert {item.contract for item in report.items} == set(CONTRACTS)
    assert watched.loaded and max(watched.loaded) == CHUNK
