"""Ledger journals: revenue against billings and the contract position, intercompany
charges in both entities, never into a closed period, stable ids."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_time, close_period, set_milestone
from accord.domain.calendar import Period
from accord.domain.contracts.model import FixedFeeTerm, RateVersion, TimeAndMaterialsTerm
from accord.domain.revenue.journals import (
    AccountRole,
    EntryKind,
    JournalEntry,
    intercompany_entries,
    journals,
)
from accord.domain.revenue.recognition import revenue_schedule
from tests.unit.revenue.journal_builders import (
    FEB,
    JAN,
    MILESTONES,
    firm_state,
    fixed_fee_ahead_of_billing,
    time_on,
    uk_charge,
)


def _lines(entry: JournalEntry) -> dict[AccountRole, tuple[D, D]]:
    return {line.role: (line.debit, line.credit) for line in entry.lines}


def _revenue(state: BillingState) -> list[JournalEntry]:
    return [e for e in journals(state, revenue_schedule(state)) if e.kind is EntryKind.REVENUE]


def test_revenue_entry_credits_the_months_revenue_against_billings_and_contract_asset() -> None:
    jan, feb = _revenue(fixed_fee_ahead_of_billing())
    assert (jan.id, jan.entity, jan.currency, jan.posting_date) == (
        "DE01/2026-01/revenue/K1/EUR",
        "DE01",
        "EUR",
        JAN,
    )
    assert _lines(jan) == {
        AccountRole.REVENUE: (D(0), D(42000)),
        AccountRole.BILLINGS: (D(36000), D(0)),
        AccountRole.CONTRACT_ASSET: (D(6000), D(0)),
    }
    assert _lines(feb) == {
        AccountRole.REVENUE: (D(0), D(63000)),
        AccountRole.BILLINGS: (D(48000), D(0)),
        AccountRole.CONTRACT_ASSET: (D(15000), D(0)),
    }
    assert jan.lines[0].dimensions == {"entity": "DE01", "contract": "K1", "term": "FF"}


def test_billing_ahead_of_revenue_is_deferred_revenue() -> None:
    state = firm_state(FixedFeeTerm("FF", D(120000), MILESTONES, estimated_cost=D(80000)))
    state = approve_time(state, [time_on("T1", "FF", date(2026, 1, 12), 100)])
    state = run_invoicing(set_milestone(state, ("K1", "FF", "M1"), accepted=True), JAN).state
    (jan,) = _revenue(state)
    assert _lines(jan) == {
        AccountRole.REVENUE: (D(0), D("10500.00")),
        AccountRole.BILLINGS: (D(36000), D(0)),
        AccountRole.CONTRACT_LIABILITY: (D(0), D("25500.00")),
    }


def test_unbilled_time_and_materials_is_an_unbilled_receivable() -> None:
    state = firm_state(TimeAndMaterialsTerm("TM", (RateVersion("consultant", D(150), JAN),)))
    state = approve_time(state, [time_on("T1", "TM", date(2026, 2, 3), 8)])
    (feb,) = _revenue(state)
    assert _lines(feb) == {
        AccountRole.REVENUE: (D(0), D(1200)),
        AccountRole.UNBILLED_RECEIVABLE: (D(1200), D(0)),
    }
    state = run_invoicing(state, date(2026, 3, 31)).state
    march = [e for e in _revenue(state) if e.period == Period(2026, 3)]
    assert [_lines(e) for e in march] == [
        {
            AccountRole.BILLINGS: (D(1200), D(0)),
            AccountRole.UNBILLED_RECEIVABLE: (D(0), D(1200)),
        }
    ]


def _sides(entries: list[JournalEntry]) -> tuple[JournalEntry, JournalEntry]:
    (provider,) = [e for e in entries if e.kind is EntryKind.INTERCOMPANY_REVENUE]
    (receiver,) = [e for e in entries if e.kind is EntryKind.INTERCOMPANY_COST]
    return provider, receiver


def test_an_intercompany_charge_posts_in_both_entities() -> None:
    state = firm_state(FixedFeeTerm("FF", D(1000), MILESTONES))
    provider, receiver = _sides(intercompany_entries(state, [uk_charge("880.00")]))
    assert (provider.id, provider.entity, provider.currency) == (
        "UK01/2026-01/intercompany_revenue/K1/GBP",
        "UK01",
        "GBP",
    )
    assert _lines(provider) == {
        AccountRole.INTERCOMPANY_RECEIVABLE: (D(880), D(0)),
        AccountRole.INTERCOMPANY_REVENUE: (D(0), D(880)),
    }
    assert provider.lines[0].dimensions["counterparty"] == "DE01"
    assert (receiver.id, receiver.entity) == ("DE01/2026-01/intercompany_cost/K1/GBP", "DE01")
    assert _lines(receiver) == {
        AccountRole.INTERCOMPANY_COST: (D(880), D(0)),
        AccountRole.INTERCOMPANY_PAYABLE: (D(0), D(880)),
    }
    assert receiver.lines[0].dimensions["counterparty"] == "UK01"


def test_a_reversed_charge_swaps_the_sides_and_a_net_zero_month_posts_nothing() -> None:
    state = firm_state(FixedFeeTerm("FF", D(1000), MILESTONES))
    provider, _ = _sides(intercompany_entries(state, [uk_charge("-100.00")]))
    assert _lines(provider) == {
        AccountRole.INTERCOMPANY_RECEIVABLE: (D(0), D(100)),
        AccountRole.INTERCOMPANY_REVENUE: (D(100), D(0)),
    }
    assert intercompany_entries(state, [uk_charge("100.00"), uk_charge("-100.00")]) == []


def test_an_entry_of_a_closed_month_is_booked_in_the_next_open_month_under_its_own_id() -> None:
    state = close_period(fixed_fee_ahead_of_billing(), "DE01", Period(2026, 1))
    jan, feb = _revenue(state)
    assert (jan.id, jan.period, jan.posting_date) == (
        "DE01/2026-01/revenue/K1/EUR",
        Period(2026, 1),
        date(2026, 2, 1),
    )
    assert feb.posting_date == FEB
    closed = close_period(state, "UK01", Period(2026, 1))
    provider, receiver = _sides(intercompany_entries(closed, [uk_charge("5.00")]))
    assert (provider.posting_date, receiver.posting_date) == (date(2026, 2, 1), date(2026, 2, 1))
    closed = close_period(
        firm_state(FixedFeeTerm("FF", D(1000), MILESTONES)), "UK01", Period(2026, 1)
    )
    provider, receiver = _sides(intercompany_entries(closed, [uk_charge("5.00")]))
    assert (provider.posting_date, receiver.posting_date) == (date(2026, 2, 1), JAN)


def test_rebuilding_the_journals_gives_the_same_entries_under_unique_ids() -> None:
    state = fixed_fee_ahead_of_billing()
    state = replace(state, ledger=replace(state.ledger, intercompany=(uk_charge("10.00"),)))
    first = journals(state, revenue_schedule(state))
    assert first == journals(state, revenue_schedule(state))
    assert len({entry.id for entry in first}) == len(first) == 4


def test_dimensions_the_firm_knows_are_added_and_absent_ones_stay_absent() -> None:
    state = fixed_fee_ahead_of_billing()
    known = {"K1": {"project": "P-7", "region": "EMEA"}}
    entry = journals(state, revenue_schedule(state), known)[0]
    assert entry.lines[0].dimensions == {
        "entity": "DE01",
        "contract": "K1",
        "term": "FF",
        "project": "P-7",
        "region": "EMEA",
    }
