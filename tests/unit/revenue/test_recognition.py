"""Revenue by right to invoice and cost-to-cost; contract asset / liability; realization."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import approve_time, set_milestone
from accord.domain.contracts.model import (
    FixedFeeTerm,
    Milestone,
    RateVersion,
    TimeAndMaterialsTerm,
)
from accord.domain.revenue.recognition import realization, revenue_schedule
from accord.domain.revenue.report import render_revenue
from tests.unit.revenue.journal_builders import firm_state, time_on

JAN, FEB = date(2026, 1, 31), date(2026, 2, 28)


def test_fixed_fee_follows_cost_to_cost_progress_with_asset_against_billing() -> None:
    milestones = (
        Milestone("M1", "Discovery", D(30)),
        Milestone("M2", "Build", D(40)),
        Milestone("M3", "Handover", D(30)),
    )
    state = firm_state(FixedFeeTerm("FF", D(120000), milestones, estimated_cost=D(80000)))
    state = approve_time(state, [time_on("T1", "FF", date(2026, 1, 12), 400)])
    state = run_invoicing(set_milestone(state, ("K1", "FF", "M1"), accepted=True), JAN).state
    state = approve_time(state, [time_on("T2", "FF", date(2026, 2, 10), 600)])
    state = run_invoicing(set_milestone(state, ("K1", "FF", "M2"), accepted=True), FEB).state
    rows = render_revenue(revenue_schedule(state))
    assert [
        (
            r["period"],
            r["recognized_cumulative"],
            r["billed_cumulative"],
            r["contract_asset"],
            r["contract_liability"],
        )
        for r in rows
    ] == [
        ("2026-01", "42000.00", "36000.00", "6000.00", "0.00"),
        ("2026-02", "105000.00", "84000.00", "21000.00", "0.00"),
    ]


def test_time_and_materials_follows_the_right_to_invoice() -> None:
    state = firm_state(
        TimeAndMaterialsTerm("TM", (RateVersion("consultant", D(150), date(2026, 1, 1)),))
    )
    state = run_invoicing(
        approve_time(state, [time_on("T1", "TM", date(2026, 1, 20), 10)]), FEB
    ).state
    rows = render_revenue(revenue_schedule(state))
    assert [
        (r["period"], r["recognized_cumulative"], r["billed_cumulative"], r["contract_asset"])
        for r in rows
    ] == [
        ("2026-01", "1500.00", "0.00", "1500.00"),
        ("2026-02", "1500.00", "1500.00", "0.00"),
    ]


def test_realization_and_write_down_under_a_cap() -> None:
    term = TimeAndMaterialsTerm(
        "TM", (RateVersion("consultant", D(150), date(2026, 1, 1)),), cap=D(1000)
    )
    state = run_invoicing(
        approve_time(firm_state(term), [time_on("T1", "TM", date(2026, 1, 20), 10)]), JAN
    ).state
    figures = realization(state, "K1", "TM", JAN)
    assert (figures.standard_value, figures.billed_value, figures.write_down, figures.ratio) == (
        D(1500),
        D(1000),
        D(500),
        D("0.6667"),
    )


def test_fixed_fee_realization_needs_a_standard_rate_card() -> None:
    state = firm_state(FixedFeeTerm("FF", D(1000), (Milestone("M1", "All", D(100)),)))
    with pytest.raises(ValueError, match="standard_rates"):
        realization(state, "K1", "FF", JAN)
    card = TimeAndMaterialsTerm("STD", (RateVersion("*", D(100), date(2026, 1, 1)),))
    state = approve_time(state, [time_on("T1", "FF", date(2026, 1, 5), 20)])
    state = run_invoicing(set_milestone(state, ("K1", "FF", "M1"), accepted=True), JAN).state
    figures = realization(state, "K1", "FF", JAN, standard_rates=card)
    assert (figures.write_down, figures.ratio) == (D(1000), D("0.5000"))
