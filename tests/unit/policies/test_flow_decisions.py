"""The decisions the scheduler and the hub process act on, taken by the domain."""

from __future__ import annotations

from datetime import date

import pytest

from accord.domain.activation import amendments_to_carry
from accord.domain.calendar import month_ends_due
from accord.domain.exceptions import ExceptionKind, failed_step_kind, retries_by_itself


def test_a_first_start_invoices_the_month_that_just_closed_only() -> None:
    assert month_ends_due(None, date(2026, 3, 14)) == [date(2026, 2, 28)]


def test_every_month_closed_since_the_last_run_is_invoiced_oldest_first() -> None:
    assert month_ends_due(date(2025, 11, 30), date(2026, 3, 1)) == [
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
    ]


def test_the_open_month_is_never_invoiced() -> None:
    assert month_ends_due(date(2026, 2, 28), date(2026, 3, 31)) == []
    assert month_ends_due(date(2024, 1, 31), date(2024, 3, 1)) == [date(2024, 2, 29)]


@pytest.mark.parametrize(
    ("kind", "by_itself"),
    [
        (ExceptionKind.SYSTEM_UNAVAILABLE, True),
        (ExceptionKind.UNKNOWN_REFERENCE, True),
        (ExceptionKind.POSTING_REJECTED, False),
        (ExceptionKind.EINVOICE_INVALID, False),
        (ExceptionKind.CAP_REACHED, False),
    ],
)
def test_only_a_cause_that_may_pass_by_itself_is_retried_without_a_person(
    kind: ExceptionKind, by_itself: bool
) -> None:
    assert retries_by_itself(kind) is by_itself


def test_a_failed_step_that_names_no_kind_counts_as_an_outage() -> None:
    assert failed_step_kind(None) is ExceptionKind.SYSTEM_UNAVAILABLE
    assert failed_step_kind("") is ExceptionKind.SYSTEM_UNAVAILABLE
    assert failed_step_kind("posting_rejected") is ExceptionKind.POSTING_REJECTED


def test_an_amendment_is_carried_only_once_its_contract_is_active_and_only_once() -> None:
    asked: list[str] = []

    def is_activated(contract: str) -> bool:
        asked.append(contract)
        return contract != "K2"

    due = {"K1": 3, "K2": 2, "K3": 5}
    carried = amendments_to_carry(due, {("K3", 5)}, is_activated)

    assert carried == [("K1", 3)]
    assert asked == ["K1", "K2"]  # the amendment already started is not looked up again
