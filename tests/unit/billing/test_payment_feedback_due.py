"""A payment billing applies is noted as due for feedback in the same save, once, and
stays due until its feedback finished: a crash between applying it and starting the
feedback flow loses nothing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from accord.adapters import dataclass_json
from accord.application.billing import BillingBook, BillingService
from accord.application.ports import BusinessObject
from accord.canonical import v1
from tests.unit.kpis.fakes import FakeAppliedRecords, FakeBillingStore, FakeClock, seeded_reports


def _payment(number: int, seq: int) -> BusinessObject:
    payment = v1.Payment(
        id=f"PAY-{number}",
        invoice="INV-DE01-000001",
        amount=Decimal("100.00"),
        currency="EUR",
        received_on=date(2026, 2, 20),
    )
    return BusinessObject("payment", payment.id, "1", payment.model_dump_json(), seq, seq)


def test_an_applied_payment_is_due_for_feedback_until_it_was_fed_back() -> None:
    store = FakeBillingStore(seeded_reports().billing.book())
    records = FakeAppliedRecords([_payment(1, 1), _payment(1, 2), _payment(2, 3)])
    billing = BillingService(store, records, clock=FakeClock())

    billing.catch_up()

    assert BillingService(store, records).payments_to_feed_back() == ("PAY-1", "PAY-2")
    billing.payment_fed_back("PAY-1")
    billing.payment_fed_back("PAY-1")
    billing.catch_up()
    assert billing.payments_to_feed_back() == ("PAY-2",)


def test_a_book_stored_before_payments_were_noted_loads_with_none_due() -> None:
    older = json.loads(dataclass_json.dumps(seeded_reports().billing.book()))
    del older["feedback_due"]

    assert dataclass_json.loads(json.dumps(older), BillingBook).feedback_due == ()


def test_a_catch_up_with_nothing_new_reads_the_checkpoint_and_no_billing_row() -> None:
    store = FakeBillingStore(seeded_reports().billing.book())
    records = FakeAppliedRecords([_payment(1, 1)])
    billing = BillingService(store, records, clock=FakeClock())
    billing.catch_up()
    loads = store.loads

    billing.catch_up()

    assert loads >= 1 and store.loads == loads
