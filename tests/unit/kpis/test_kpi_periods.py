"""Monthly KPIs: the exception queue's effort, how fast backlog becomes invoices, and the
invoices customers disputed (a credit note reduced them)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import approve_time, correct_time
from accord.domain.calendar import Period
from accord.domain.kpi_periods import backlog_conversion, disputes, queue_effort, recent_periods
from tests.unit.billing.builders import FEB, JAN, entry, make_state, tm_term

JANUARY, FEBRUARY, MARCH = Period(2026, 1), Period(2026, 2), Period(2026, 3)
PERIODS = [JANUARY, FEBRUARY, MARCH]


def _at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_queue_effort_counts_opened_and_closed_per_month_with_the_median_time() -> None:
    exceptions = [
        (_at(1, 5), _at(1, 5, 6)),  # six hours, closed in January
        (_at(1, 20), _at(2, 2)),  # thirteen days, closed in February
        (_at(2, 3), _at(2, 3, 2)),  # two hours
        (_at(2, 10), None),  # still open
    ]

    rows = [row.to_dict() for row in queue_effort(exceptions, [JANUARY, FEBRUARY, MARCH])]

    assert rows == [
        {"period": "2026-01", "opened": 2, "closed": 1, "median_hours_to_resolve": "6.0"},
        {"period": "2026-02", "opened": 2, "closed": 2, "median_hours_to_resolve": "157.0"},
        {"period": "2026-03", "opened": 0, "closed": 0, "median_hours_to_resolve": None},
    ]


def test_backlog_at_the_start_of_a_month_against_what_the_month_billed_of_it() -> None:
    state = approve_time(
        make_state(tm_term(rate="150")),
        [entry("E1", 5, "8"), entry("E2", 6, "4"), entry("E4", 2, "3", month=2)],
    )
    state = run_invoicing(state, FEB).state  # one invoice, issued in February
    state = approve_time(state, [entry("E5", 7, "2")])  # January time approved late

    rows = [row.to_dict() for row in backlog_conversion(state, [FEBRUARY, MARCH])]

    assert rows == [
        {
            "period": "2026-02",
            "currency": "EUR",
            "backlog_at_start": "2100.00",
            "backlog_billed": "1800.00",
            "billed_in_period": "2250.00",
            "conversion_percent": "85.7",
        },
        {
            "period": "2026-03",
            "currency": "EUR",
            "backlog_at_start": "300.00",
            "backlog_billed": "0.00",
            "billed_in_period": "0.00",
            "conversion_percent": "0.0",
        },
    ]


def test_recent_periods_end_with_the_current_month() -> None:
    assert recent_periods(date(2026, 2, 14), 3) == [Period(2025, 12), JANUARY, FEBRUARY]


def test_disputes_are_the_months_invoices_a_credit_note_reduced_since() -> None:
    state = approve_time(
        make_state(tm_term(rate="150")), [entry("E1", 5, "8"), entry("E2", 6, "4")]
    )
    state = run_invoicing(state, JAN).state  # 1,800.00 net, 2,142.00 gross, in January
    state = approve_time(state, [entry("E3", 3, "2", month=2)])
    state = run_invoicing(state, FEB).state  # 300.00 net, 357.00 gross, in February
    state = correct_time(state, "E2", hours=Decimal("0"))  # the customer disputes E2
    state = run_invoicing(state, date(2026, 3, 31)).state  # credit note in March

    rows = [row.to_dict() for row in disputes(state.ledger.documents.values(), PERIODS)]

    assert rows == [
        {
            "period": "2026-01",
            "currency": "EUR",
            "invoices": 1,
            "disputed": 1,
            "invoiced": "2142.00",
            "credited": "714.00",
            "disputed_percent": "100.0",
        },
        {
            "period": "2026-02",
            "currency": "EUR",
            "invoices": 1,
            "disputed": 0,
            "invoiced": "357.00",
            "credited": "0.00",
            "disputed_percent": "0.0",
        },
    ]  # March issued only the credit note: no invoice to dispute
