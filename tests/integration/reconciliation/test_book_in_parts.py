"""A reconciliation run reads the hub's book in parts (a chunk of contracts at a time for
the time it billed and the PSA's time it values, the documents by themselves) from the
row store, never whole, and finds what the whole book finds: time the PSA approved and
the hub never received, hours that differ, a document still being posted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.adapters.store import create_store_engine, migrate
from accord.application.billing import BillingBook, BillingService
from accord.application.reconciliation import ReconciliationService
from accord.bootstrap import reconciliation_sources
from accord.domain.billing.documents import DocumentStatus
from accord.domain.reconciliation import Tolerances
from tests.integration.billing.test_chunked_run import WatchedRows
from tests.integration.reconciliation.test_reconciliation_sandbox import AS_OF, Firmwide
from tests.unit.kpis.fakes import FakeAppliedRecords

CLOCK = lambda: datetime(2026, 3, 31, 12, tzinfo=UTC)  # noqa: E731


def test_a_run_on_the_book_in_parts_finds_what_the_whole_book_finds(
    firm: Firmwide, tmp_path: Path
) -> None:
    firm.approve_in_psa("T30", date(2026, 2, 2), 120)  # never reached the hub
    entries = firm.http.get("/psa/time_entries", params={"limit": 100}).json()["items"]
    t6 = next(i for i in entries if i["external_reference"] == "T6")
    firm.http.patch(f"/psa/time_entries/{t6['id']}", json={"time_in_minutes": 360})
    [invoice] = firm.state.ledger.documents.values()
    in_flight = replace(
        invoice, number="INV-DE01-000002", status=DocumentStatus.ISSUED, issue_date=AS_OF
    )
    documents = {invoice.number: invoice, in_flight.number: in_flight}
    firm.state = replace(firm.state, ledger=replace(firm.state.ledger, documents=documents))
    engine = create_store_engine(f"sqlite:///{tmp_path / 'accord.sqlite'}")
    migrate(engine)
    rows = SqlAlchemyBillingStateStore(engine)
    rows.save(BillingBook(firm.state), 0)
    watched = WatchedRows(rows)
    billing = BillingService(watched, FakeAppliedRecords(), run_chunk=1)  # type: ignore[arg-type]
    connectors = [firm.erp, firm.billing, firm.psa, firm.crm, firm.clm]
    sources = reconciliation_sources({c.name: c for c in connectors})
    lenient = Tolerances(unbilled_after_days=30)

    in_parts = ReconciliationService(
        sources, billing.state, None, CLOCK, lenient, book=billing
    ).run(AS_OF)
    from_whole = firm.service(tolerances=lenient).run(AS_OF)

    try:
        assert in_parts.to_dict() == from_whole.to_dict()
        keys = {(d.comparison, d.key) for d in in_parts.discrepancies}
        assert {("time_psa_hub", "T30"), ("time_psa_hub", "T6")} <= keys
        assert not any(d.key == in_flight.number for d in in_parts.discrepancies)
        assert watched.loaded
    finally:
        engine.dispose()
