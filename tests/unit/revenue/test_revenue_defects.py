"""Revenue defects found by unusual contracts: rounding, caps over time, missing FX."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import amend_contract, approve_time
from accord.domain.contracts.model import CostRate, FixedFeeTerm, Milestone
from accord.domain.exceptions import ExceptionKind
from accord.domain.revenue.recognition import revenue_report, revenue_schedule
from accord.domain.revenue.report import render_revenue
from tests.unit.billing.builders import FEB, JAN, entry, make_state, tm_term


def _rows(state: object) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            r["period"],
            r["recognized_cumulative"],
            r["billed_cumulative"],
            r["contract_asset"],
            r["contract_liability"],
        )
        for r in render_revenue(revenue_schedule(state))  # type: ignore[arg-type]
    ]


def test_time_and_materials_revenue_is_rounded_as_the_invoice_line_is() -> None:
    # Two quarter hours at 10.01: 2.50 + 2.50 per entry, but one line of 0.50 h = 5.01.
    state = make_state(tm_term("10.01"))
    state = approve_time(state, [entry("T1", 5, "0.25"), entry("T2", 6, "0.25")])
    state = run_invoicing(state, JAN).state
    assert _rows(state) == [("2026-01", "5.01", "5.01", "0.00", "0.00")]


def test_unbilled_work_is_recognised_before_its_invoice() -> None:
    state = approve_time(make_state(tm_term("100")), [entry("T1", 5, "2")])
    assert _rows(state) == [("2026-01", "200.00", "0.00", "200.00", "0.00")]


def test_a_later_cap_raise_does_not_reach_back_into_earlier_months() -> None:
    state = make_state(tm_term("100", cap="1000"))
    state = run_invoicing(approve_time(state, [entry("T1", 9, "15")]), JAN).state
    state = amend_contract(state, "K1", "TM", cap=D(2000), effective=date(2026, 2, 10))
    state = run_invoicing(state, FEB).state
    assert _rows(state) == [
        ("2026-01", "1000.00", "1000.00", "0.00", "0.00"),
        ("2026-02", "1500.00", "1500.00", "0.00", "0.00"),
    ]


def test_held_value_is_recognised_once_a_raised_cap_makes_room_before_billing() -> None:
    state = make_state(tm_term("100", cap="1000"))
    state = run_invoicing(approve_time(state, [entry("T1", 9, "15")]), JAN).state
    state = amend_contract(state, "K1", "TM", cap=D(2000), effective=date(2026, 2, 10))
    state = approve_time(state, [entry("T2", 12, "1", month=2)])
    assert _rows(state)[-1] == ("2026-02", "1600.00", "1000.00", "600.00", "0.00")


def test_a_missing_fx_rate_for_cost_to_cost_is_an_exception_not_a_crash() -> None:
    milestones = (Milestone("M1", "All", D(100)),)
    state = make_state(tm_term("100"), FixedFeeTerm("FF", D(1000), milestones, D(500)))
    paid_in_dollars = replace(
        state.resources["R2"], cost_rates=(CostRate(date(2025, 1, 1), D(50), "USD"),)
    )
    state = replace(state, resources={**state.resources, "R2": paid_in_dollars})
    state = approve_time(
        state, [entry("T1", 5, "2"), entry("T2", 5, "2", resource="R2", term="FF")]
    )
    report = revenue_report(state)
    assert [(e.kind, e.subject) for e in report.exceptions] == [
        (ExceptionKind.MISSING_FX_RATE, "K1")
    ]
    assert [(r.term, str(r.recognized_cumulative)) for r in report.rows] == [("TM", "200.00")]
