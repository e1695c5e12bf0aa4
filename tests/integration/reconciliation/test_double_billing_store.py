"""A double bill written straight into the hub's store (SQLite, PostgreSQL and MariaDB)
and posted to the sandbox ERP, as a crashed month-end run left one: reconciliation
raises it from the hub's ledger and from the documents read back from the ERP."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.application.billing import BillingBook
from accord.application.document_mapping import to_invoice
from accord.bootstrap import Hub, Services
from accord.connectors.sandbox.erp import SandboxErpConnector
from accord.domain.billing.documents import Document
from accord.domain.exceptions import ExceptionKind, OwnerRole
from accord.domain.reconciliation import DiscrepancyKind
from tests.integration.reconciliation.test_reconciliation_sandbox import hub_state

AS_OF = date(2026, 3, 31)


def post(services: Services, document: Document) -> None:
    """The ERP received the document (a posting flow did it)."""
    [erp] = [c for c in services.connectors.values() if isinstance(c, SandboxErpConnector)]
    erp.post_invoice(to_invoice(document), f"erp:{document.number}")


def double_bills(services: Services) -> dict[tuple[str, str], Decimal | None]:
    report = services.reconciliation.run(AS_OF)
    return {
        (d.comparison, d.key): d.amount_at_risk
        for d in report.discrepancies
        if d.kind is DiscrepancyKind.DOUBLE_BILLED
    }


def test_a_double_bill_written_in_the_store_is_raised_by_reconciliation(
    wired: tuple[Hub, Services],
) -> None:
    hub, services = wired
    store = SqlAlchemyBillingStateStore(hub.engine)
    state = hub_state()
    [original] = state.ledger.documents.values()
    store.save(BillingBook(state), 0)
    post(services, original)
    assert double_bills(services) == {}

    book, checkpoint = store.load()
    assert book is not None
    again = replace(original, number="INV-DE01-000002", issue_date=date(2026, 2, 1))
    documents = {**book.state.ledger.documents, again.number: again}
    ledger = replace(book.state.ledger, documents=documents)
    store.save(replace(book, state=replace(book.state, ledger=ledger)), checkpoint)
    post(services, again)

    assert double_bills(services) == {
        (comparison, f"time_entry:{entry}"): Decimal("1200.00")
        for comparison in ("billed_once_hub", "billed_once_erp")
        for entry in ("T5", "T6")
    }
    raised = hub.exceptions(kind=ExceptionKind.DOUBLE_BILLING)
    assert sorted(r.subject for r in raised) == [
        "billed_once_erp:time_entry:T5",
        "billed_once_erp:time_entry:T6",
        "billed_once_hub:time_entry:T5",
        "billed_once_hub:time_entry:T6",
    ]
    assert {(r.owner, r.details["amount_at_risk"]) for r in raised} == {
        (OwnerRole.FINANCE, "1200.00")
    }
