"""An older delivery of a time entry never reverts a newer one (issue 14, defect 7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accord.application.billing import apply_record
from accord.canonical import v1
from accord.domain.billing.run import run_invoicing
from tests.unit.billing.builders import FEB, JAN, make_state

T0 = dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC)


def _delivery(hours: str, version: int, updated_at: dt.datetime | None = None) -> v1.TimeEntry:
    return v1.TimeEntry(
        id="T1",
        contract="K1",
        term="TM",
        resource="R1",
        date=dt.date(2026, 1, 9),
        hours=Decimal(hours),
        version=version,
        updated_at=updated_at,
    )


def test_an_older_version_arriving_late_is_recorded_not_applied() -> None:
    state = run_invoicing(apply_record(make_state(), _delivery("10", 1)), JAN).state
    state = apply_record(state, _delivery("8", 2))
    state = apply_record(state, _delivery("10", 1))  # the first delivery, redelivered late

    assert state.time_entries["K1"]["T1"].hours == Decimal(8)
    assert "T1" in state.stale_deliveries
    (credit_note,) = run_invoicing(state, FEB).documents
    assert credit_note.net_total == Decimal("-300.00")


def test_an_older_update_time_loses_even_without_version_numbers() -> None:
    state = apply_record(make_state(), _delivery("8", 1, T0 + dt.timedelta(hours=2)))
    state = apply_record(state, _delivery("10", 1, T0))

    assert state.time_entries["K1"]["T1"].hours == Decimal(8)


def test_a_newer_delivery_still_corrects() -> None:
    state = apply_record(make_state(), _delivery("10", 1, T0))
    state = apply_record(state, _delivery("8", 1, T0 + dt.timedelta(hours=2)))

    assert state.time_entries["K1"]["T1"].hours == Decimal(8)


def test_an_older_expense_delivery_never_reverts_a_re_approval() -> None:
    taxi = v1.Expense(
        id="E1",
        contract="K1",
        resource="R1",
        date=dt.date(2026, 1, 14),
        amount=Decimal(100),
        currency="EUR",
        version=2,
    )
    state = apply_record(make_state(), taxi)
    state = apply_record(state, taxi.model_copy(update={"amount": Decimal(80), "version": 1}))

    assert state.expenses["K1"]["E1"].amount == Decimal(100)
    assert "E1" in state.stale_deliveries
