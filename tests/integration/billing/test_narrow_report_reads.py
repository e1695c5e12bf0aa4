"""The invoice list and a document's lineage read only the rows they show (the document
rows, the entries billed on the document, the firm-wide data) from the row store
(SQLite, PostgreSQL and MariaDB), and show what the whole book shows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.application.billing import BillingBook
from accord.application.reports import HubReports
from accord.bootstrap import Hub, Services
from accord.domain.billing.report import render_document
from tests.integration.reconciliation.test_reconciliation_sandbox import hub_state
from tests.integration.wired_store import DATABASES, database_url_of, wired_hub

CLOCK = lambda: datetime(2026, 3, 31, 12, tzinfo=UTC)  # noqa: E731


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url_of(request, tmp_path)


@pytest.fixture
def wired(tmp_path: Path, database_url: str) -> Iterator[tuple[Hub, Services]]:
    with wired_hub(tmp_path, database_url, CLOCK) as wired:
        yield wired


def test_invoice_list_and_lineage_match_the_whole_book(wired: tuple[Hub, Services]) -> None:
    hub, services = wired
    state = hub_state()
    [invoice] = state.ledger.documents.values()
    later = replace(invoice, number="INV-DE01-000002", issue_date=date(2026, 2, 27))
    ledger = replace(state.ledger, documents={d.number: d for d in (invoice, later)})
    SqlAlchemyBillingStateStore(hub.engine).save(BillingBook(replace(state, ledger=ledger)), 0)
    reports = HubReports(services.billing, services.reconciliation, CLOCK, lambda kind: [])

    listed = reports.invoices()
    assert [row["number"] for row in listed] == ["INV-DE01-000002", "INV-DE01-000001"]
    assert listed == [{**render_document(d), "customer_name": "Customer"} for d in (later, invoice)]
    lineage = reports.lineage(invoice.number)
    assert lineage is not None
    [line] = lineage["lines"]
    assert [e["entry"] for e in line["time_entries"]] == ["T5", "T6"]
    assert {e["rate_version"] for e in line["time_entries"]} == {"role consultant from 2026-01-01"}
    assert reports.lineage("INV-DE01-000009") is None
