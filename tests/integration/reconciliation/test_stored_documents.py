"""The hub's documents read straight from `billing_rows` (SQLite, PostgreSQL and
MariaDB) reconcile exactly as the ones built from the whole billing book: same findings,
same values shown, on the reference rules and on DuckDB, for invoices, a credit note and
an ERP amount half a cent off."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accord.adapters.billing_documents import SqlAlchemyHubDocuments
from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.adapters.reconciliation_arrow import ArrowRecords
from accord.adapters.reconciliation_duckdb import DuckDbReconciliationEngine
from accord.application.billing import BillingBook
from accord.application.document_mapping import to_invoice
from accord.application.reconciliation import HubDocumentListing, ReconciliationService
from accord.bootstrap import (
    Hub,
    Services,
    reconciliation_sources,
)
from accord.connectors.sandbox.erp import SandboxErpConnector
from accord.domain.billing.documents import Document, DocumentKind
from accord.domain.reconciliation import DocumentRecord
from tests.integration.reconciliation.test_reconciliation_sandbox import hub_state

AS_OF = date(2026, 3, 31)
CLOCK = lambda: datetime(2026, 3, 31, 12, tzinfo=UTC)  # noqa: E731
HALF_CENT = Decimal("0.005")


def _credit_note(document: Document, number: str) -> Document:
    """A credit note of the whole document (its amounts positive, as issued)."""
    return replace(
        document,
        number=number,
        kind=DocumentKind.CREDIT_NOTE,
        references=(document.number,),
        issue_date=date(2026, 2, 10),
    )


def _store_documents(hub: Hub, services: Services) -> list[Document]:
    """The January invoice, a credit note on it, a re-issue posted to the ERP half a
    cent off, and one invoice the ERP never received."""
    state = hub_state()
    [invoice] = state.ledger.documents.values()
    credit = _credit_note(invoice, "CN-DE01-000001")
    reissued = replace(invoice, number="INV-DE01-000002", issue_date=date(2026, 2, 11))
    unposted = replace(invoice, number="INV-DE01-000003", issue_date=date(2026, 3, 2))
    documents = [invoice, credit, reissued, unposted]
    ledger = replace(state.ledger, documents={d.number: d for d in documents})
    SqlAlchemyBillingStateStore(hub.engine).save(BillingBook(replace(state, ledger=ledger)), 0)
    [erp] = [c for c in services.connectors.values() if isinstance(c, SandboxErpConnector)]
    off = replace(
        reissued,
        tax_total=reissued.tax_total + HALF_CENT,
        gross_total=reissued.gross_total + HALF_CENT,
    )
    for posted in (invoice, credit, off):
        erp.post_invoice(to_invoice(posted), f"erp:{posted.number}")
    return documents


def _service(
    services: Services, listing: HubDocumentListing | None, fast: bool
) -> ReconciliationService:
    return ReconciliationService(
        reconciliation_sources(services.connectors),
        services.billing.state,
        None,
        CLOCK,
        fast_engine=DuckDbReconciliationEngine() if fast else None,
        fast_threshold=0,
        stored_documents=listing,
    )


@pytest.mark.parametrize("fast", [False, True], ids=["reference", "duckdb"])
def test_stored_documents_reconcile_as_the_book_does(
    wired: tuple[Hub, Services], fast: bool
) -> None:
    hub, services = wired
    documents = _store_documents(hub, services)
    listing = SqlAlchemyHubDocuments(hub.engine)

    records = listing.document_records()
    assert isinstance(records, ArrowRecords)
    assert list(records) == [
        DocumentRecord(
            d.number,
            d.issue_date,
            d.contract,
            d.currency,
            d.net_total,
            d.tax_total,
            d.gross_total,
            "open",
        )
        for d in documents
    ]
    from_rows = _service(services, listing, fast).run(AS_OF)
    from_book = _service(services, None, fast).run(AS_OF)

    assert from_rows.to_dict() == from_book.to_dict()
    found = {(d.comparison, d.key) for d in from_rows.discrepancies}
    assert ("documents_hub_erp", "INV-DE01-000003") in found
    assert ("documents_hub_erp", "INV-DE01-000002") in found
