"""The business KPIs as pure functions of the billing state and recorded times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from accord.domain.billing.documents import DocumentKind, DocumentStatus
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_time, correct_time, set_milestone
from accord.domain.contracts.model import FixedFeeTerm, Milestone
from accord.domain.kpis import (
    Timings,
    activation_timings,
    billed_vs_approved,
    elapsed_hours,
    first_time_posting,
    invoice_cycle_timings,
)
from tests.unit.billing.builders import FEB, JAN, entry, make_state, tm_term

D = Decimal


def _at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _invoiced(state: BillingState, through: date = JAN) -> BillingState:
    return run_invoicing(state, through).state


def test_elapsed_hours_are_tenths_never_negative_and_naive_times_are_utc() -> None:
    assert elapsed_hours(_at(1, 5), _at(1, 5, 6, 20)) == D("6.3")
    assert elapsed_hours(_at(1, 5), datetime(2026, 1, 7, 12, 0)) == D("60.0")
    assert elapsed_hours(_at(1, 5, 9), _at(1, 5, 8)) == D("0")


def test_activation_runs_from_the_signing_day_to_the_end_of_the_flow() -> None:
    signed = {"K1": date(2026, 1, 5), "K2": date(2026, 1, 6), "K3": date(2026, 1, 7)}
    activated = {"K1": _at(1, 5, 6, 30), "K2": _at(1, 8, 12)}

    timings = activation_timings(signed, activated)

    assert timings == Timings((D("6.5"), D("60.0")), waiting=1)
    assert timings.to_dict() == {
        "measured": 2,
        "waiting": 1,
        "median_hours": "33.25",
        "p90_hours": "60.0",
        "max_hours": "60.0",
        "distribution": [
            {"bucket": "under 1 h", "count": 0},
            {"bucket": "1 h to 1 d", "count": 1},
            {"bucket": "1 to 3 d", "count": 1},
            {"bucket": "3 to 7 d", "count": 0},
            {"bucket": "7 to 30 d", "count": 0},
            {"bucket": "30 d or more", "count": 0},
        ],
    }


def test_nothing_measured_reads_as_none_not_as_zero() -> None:
    timings = activation_timings({"K1": date(2026, 1, 5)}, {})

    assert timings.to_dict()["median_hours"] is None
    assert (timings.measured, timings.waiting, timings.percentile(90)) == (0, 1, None)


def test_percentile_is_the_nearest_rank() -> None:
    timings = Timings(tuple(D(n) for n in range(1, 11)))

    assert (timings.percentile(90), timings.percentile(50), timings.median()) == (
        D(9),
        D(5),
        D("5.5"),
    )


def test_invoice_cycle_runs_from_the_period_end_to_the_posting_confirmation() -> None:
    state = approve_time(make_state(), [entry("E1", 5, "8")])
    state = _invoiced(state)
    (invoice,) = state.ledger.documents.values()
    posted = replace(invoice, status=DocumentStatus.POSTED)
    prepayment = replace(invoice, number="INV-P", kind=DocumentKind.PREPAYMENT)
    pending = replace(invoice, number="INV-2")
    legacy = replace(invoice, number="INV-3", status=DocumentStatus.PAID)

    timings = invoice_cycle_timings(
        [posted, prepayment, pending, legacy],
        {invoice.number: _at(2, 2, 3), "INV-P": _at(2, 9)},
    )

    assert invoice.issue_date == JAN
    assert timings == Timings((D("27.0"),), waiting=1)


def test_first_time_posting_counts_posted_documents_no_posting_exception_named() -> None:
    state = approve_time(make_state(), [entry("E1", 5, "8")])
    (invoice,) = _invoiced(state).ledger.documents.values()
    documents = [
        replace(invoice, number="A", status=DocumentStatus.POSTED),
        replace(invoice, number="B", status=DocumentStatus.PAID),
        replace(invoice, number="C", status=DocumentStatus.POSTED),
        replace(invoice, number="D", status=DocumentStatus.ISSUED),
    ]

    result = first_time_posting(documents, {"C", "D", "K1"})

    assert result.to_dict() == {"posted": 3, "first_time": 2, "retried": 1, "percent": "66.7"}
    assert first_time_posting([], set()).to_dict()["percent"] is None


def test_billed_equals_approved_once_every_approved_hour_is_invoiced() -> None:
    state = approve_time(
        make_state(tm_term(rate="150")),
        [entry("E1", 5, "8"), entry("E2", 6, "4"), replace(entry("E3", 7, "2"), billable=False)],
    )

    (row,) = billed_vs_approved(_invoiced(state))

    assert row.to_dict() == {
        "currency": "EUR",
        "approved": "1800.00",
        "billed": "1800.00",
        "unbilled": "0.00",
        "billed_percent": "100.0",
        "unvalued_entries": 0,
        "unbilled_time_overdue": "0.00",
        "unbilled_time_overdue_entries": 0,
    }


def test_work_approved_after_the_run_and_entries_without_a_rate_show_as_a_gap() -> None:
    state = approve_time(make_state(), [entry("E1", 5, "8"), entry("E2", 6, "4")])
    state = approve_time(
        _invoiced(state), [entry("E4", 2, "3", month=2), entry("E5", 3, "1", 2, "R9")]
    )

    (row,) = billed_vs_approved(state)

    assert (row.approved, row.billed, row.unbilled) == (D(2250), D(1800), D(450))
    assert (row.billed_percent(), row.unvalued_entries) == (D("80.0"), 1)


def test_a_cap_hold_a_credit_note_and_a_cap_release_move_what_was_billed() -> None:
    state = approve_time(
        make_state(tm_term(cap="1500")), [entry("E1", 5, "8"), entry("E2", 6, "4")]
    )
    capped = _invoiced(state)
    corrected = _invoiced(correct_time(capped, "E1", hours=D("6")), FEB)

    (held,) = billed_vs_approved(capped)
    (credited,) = billed_vs_approved(corrected)

    assert (held.approved, held.billed, held.billed_percent()) == (D(1800), D(1500), D("83.3"))
    nets = {d.number: d.net_total for d in corrected.ledger.documents.values()}
    assert nets == {
        "INV-DE01-000001": D("1500.00"),
        "CN-DE01-000001": D("-300.00"),
        "INV-DE01-000002": D("300.00"),
    }
    assert (credited.approved, credited.billed, credited.billed_percent()) == (
        D(1500),
        D(1500),
        D("100.0"),
    )


def test_accepted_milestones_count_as_approved_until_billed() -> None:
    fee = FixedFeeTerm(
        "FF", D("10000"), (Milestone("M1", "Design", D(30)), Milestone("M2", "Build", D(70)))
    )
    state = set_milestone(make_state(fee), ("K1", "FF", "M1"), accepted=True)

    (before,) = billed_vs_approved(state)
    (after,) = billed_vs_approved(_invoiced(state))

    assert (before.approved, before.billed, before.billed_percent()) == (D(3000), D(0), D(0))
    assert (after.approved, after.billed, after.unbilled) == (D(3000), D(3000), D(0))


def test_a_state_with_nothing_approved_or_billed_has_no_rows() -> None:
    assert billed_vs_approved(make_state()) == []
