"""For any sequence of work, corrections, invoice runs, month closes and intercompany
charges, every journal entry balances in its entity and currency, and the revenue
journal adds up to the revenue report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.domain.billing.ledger import IntercompanyCharge
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import (
    BillingState,
    approve_time,
    close_period,
    correct_time,
    set_milestone,
)
from accord.domain.calendar import Period
from accord.domain.contracts.model import (
    FixedFeeTerm,
    RateVersion,
    TimeAndMaterialsTerm,
)
from accord.domain.delivery.model import TimeEntry
from accord.domain.revenue.journals import AccountRole, EntryKind, journals
from accord.domain.revenue.recognition import revenue_schedule
from tests.unit.revenue.journal_builders import JAN, MILESTONES, firm_state

MONTHS = (Period(2026, 1), Period(2026, 2), Period(2026, 3), Period(2026, 4))
quarters = st.integers(min_value=1, max_value=200).map(lambda q: Decimal(q) / 4)
work = st.tuples(
    st.sampled_from(["TM", "FF"]), st.sampled_from(MONTHS), st.integers(1, 28), quarters
)
step = st.one_of(
    st.tuples(st.just("work"), work),
    st.tuples(st.just("correct"), quarters),
    st.tuples(st.just("milestone"), st.sampled_from(["M1", "M2", "M3"])),
    st.tuples(st.just("run"), st.sampled_from(MONTHS)),
    st.tuples(
        st.just("close"), st.tuples(st.sampled_from(["DE01", "UK01"]), st.sampled_from(MONTHS))
    ),
    st.tuples(st.just("charge"), st.integers(-50_000, 50_000)),
)


def _apply(state: BillingState, index: int, action: str, value: object) -> BillingState:
    if action == "work":
        term, month, day, hours = value  # type: ignore[misc]
        entry = TimeEntry(f"T{index}", "K1", term, "R1", date(month.year, month.month, day), hours)
        return approve_time(state, [entry])
    if action == "correct" and state.time_entries.get("K1"):
        return correct_time(state, sorted(state.time_entries["K1"])[0], hours=value)
    if action == "milestone":
        return set_milestone(state, ("K1", "FF", str(value)), accepted=True)
    if action == "run":
        return run_invoicing(state, value.last_day).state  # type: ignore[attr-defined]
    if action == "close":
        entity, month = value  # type: ignore[misc]
        return close_period(state, entity, month)
    if action == "charge":
        amount = Decimal(str(value)) / 100
        charge = IntercompanyCharge(
            "UK01", "DE01", "R2", "K1", Decimal(1), amount, "GBP", amount, "EUR", JAN
        )
        intercompany = (*state.ledger.intercompany, charge)
        return replace(state, ledger=replace(state.ledger, intercompany=intercompany))
    return state


@settings(max_examples=100, deadline=None)
@given(steps=st.lists(step, min_size=1, max_size=14))
def test_every_entry_balances_and_revenue_adds_up_to_the_report(
    steps: list[tuple[str, object]],
) -> None:
    state = firm_state(
        TimeAndMaterialsTerm("TM", (RateVersion("consultant", Decimal(150), JAN),)),
        FixedFeeTerm("FF", Decimal(12000), MILESTONES, estimated_cost=Decimal(8000)),
    )
    for index, (action, value) in enumerate(steps):
        state = _apply(state, index, action, value)
    rows = revenue_schedule(state)
    entries = journals(state, rows)

    per_entity: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for entry in entries:
        assert entry.debit == entry.credit, entry
        assert not state.is_closed(entry.entity, entry.posting_date)
        for line in entry.lines:
            assert min(line.debit, line.credit) == 0 and line.debit + line.credit > 0
            per_entity[(entry.entity, entry.currency)] += line.debit - line.credit
    assert all(total == 0 for total in per_entity.values())
    assert len({entry.id for entry in entries}) == len(entries)

    for row in rows:
        booked: dict[AccountRole, Decimal] = defaultdict(Decimal)
        for entry in entries:
            if entry.kind is EntryKind.REVENUE and entry.period <= row.period:
                for line in entry.lines:
                    if line.dimensions["term"] == row.term:
                        booked[line.role] += line.credit - line.debit
        asset = -booked[AccountRole.CONTRACT_ASSET] - booked[AccountRole.UNBILLED_RECEIVABLE]
        assert booked[AccountRole.REVENUE] == row.recognized_cumulative
        assert -booked[AccountRole.BILLINGS] == row.billed_cumulative
        assert asset == row.contract_asset
        assert booked[AccountRole.CONTRACT_LIABILITY] == row.contract_liability
