"""HubReports computes the KPIs from the billing book, the times it recorded and the
exception history."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from accord.adapters import dataclass_json
from accord.application.billing import BillingBook, BillingService
from accord.application.ports import BusinessObject
from accord.canonical import v1
from accord.domain.billing.documents import DocumentStatus
from accord.domain.exceptions import ExceptionKind, ExceptionStatus
from tests.unit.kpis.fakes import (
    SEEDED_KPIS,
    FakeAppliedRecords,
    FakeBillingStore,
    FakeClock,
    kpi_sections,
    seeded_reports,
)

ACTIVATED = datetime(2026, 1, 3, 12, tzinfo=UTC)
POSTED = datetime(2026, 2, 1, 5, tzinfo=UTC)


def test_kpis_come_from_recorded_times_approved_work_and_posting_exceptions() -> None:
    seeded = seeded_reports()

    kpis = seeded.reports.kpis()

    assert kpi_sections(kpis) == SEEDED_KPIS
    assert kpis["documents"] == 1
    assert kpis["documents_by_status"]["posted"] == 1
    assert kpis["billed_net_by_currency"] == {"EUR": "1800.00"}


def test_posting_without_exceptions_is_first_time_and_new_work_waits() -> None:
    seeded = seeded_reports()
    seeded.history.records.clear()
    seeded.billing.run_invoices(date(2026, 2, 28))

    kpis = seeded.reports.kpis()

    assert kpis["first_time_posting"] == {
        "posted": 1,
        "first_time": 1,
        "retried": 0,
        "percent": "100.0",
    }
    assert kpis["invoice_cycle"]["waiting"] == 1
    assert kpis["billed_vs_approved"][0]["billed_percent"] == "100.0"


def test_a_posting_whose_ledger_differs_was_not_right_the_first_time() -> None:
    seeded = seeded_reports()
    seeded.history.records.clear()
    (number,) = seeded.billing.book().posted_at
    seeded.history.add(ExceptionKind.POSTING_MISMATCH, number, ExceptionStatus.OPEN)

    kpis = seeded.reports.kpis()

    assert (kpis["first_time_posting"]["first_time"], kpis["first_time_posting"]["retried"]) == (
        0,
        1,
    )


def test_the_first_posting_and_activation_times_are_kept() -> None:
    seeded = seeded_reports()
    (number,) = seeded.billing.book().posted_at
    seeded.clock.now = datetime(2026, 3, 1, tzinfo=UTC)

    seeded.billing.mark_posted(number)
    seeded.billing.mark_activated("K1")

    book = seeded.billing.book()
    assert (book.posted_at, book.activated_at) == ({number: POSTED}, {"K1": ACTIVATED})


def test_a_payment_applied_later_keeps_the_recorded_times() -> None:
    seeded = seeded_reports()
    book = seeded.billing.book()
    payment = v1.Payment(
        id="PAY-1",
        invoice="INV-DE01-000001",
        amount=Decimal("2142.00"),
        currency="EUR",
        received_on=date(2026, 2, 20),
    )
    records = FakeAppliedRecords(
        [BusinessObject("payment", "PAY-1", "1", payment.model_dump_json(), 1, 1)]
    )
    billing = BillingService(FakeBillingStore(book), records, clock=FakeClock())

    billing.catch_up()

    after = billing.book()
    assert after.state.ledger.documents["INV-DE01-000001"].status is DocumentStatus.PAID
    assert (after.posted_at, after.activated_at) == (book.posted_at, book.activated_at)


def test_the_stored_book_keeps_the_times_and_an_older_one_loads_without_them() -> None:
    book = seeded_reports().billing.book()
    older = json.loads(dataclass_json.dumps(book))
    del older["activated_at"], older["posted_at"]

    stored = dataclass_json.loads(dataclass_json.dumps(book), BillingBook)
    loaded = dataclass_json.loads(json.dumps(older), BillingBook)

    assert stored == book
    assert (loaded.activated_at, loaded.posted_at) == ({}, {})
    assert loaded.state == book.state
