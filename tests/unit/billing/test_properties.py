"""Properties of the engine that must hold for any input, checked with hypothesis."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import amend_contract, approve_time, correct_time
from accord.domain.contracts.model import FixedFeeTerm, Milestone, milestone_amounts
from accord.domain.money import round_to_currency
from tests.unit.billing.builders import FEB, JAN, entry, make_state, tm_term

FAST = settings(max_examples=60, deadline=None)
hours = st.integers(min_value=1, max_value=4000).map(lambda q: Decimal(q) / 4)
days = st.integers(min_value=1, max_value=31)
entries = st.lists(st.tuples(days, hours), min_size=1, max_size=12)


@FAST
@given(
    fee=st.integers(min_value=1, max_value=10**9).map(lambda c: Decimal(c) / 100),
    cuts=st.lists(st.integers(min_value=1, max_value=9999), min_size=1, max_size=6),
    currency=st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_milestones_always_sum_to_the_fee(fee: Decimal, cuts: list[int], currency: str) -> None:
    total = sum(cuts)
    percents = [Decimal(c) * 100 / total for c in cuts[:-1]]
    percents.append(100 - sum(percents, Decimal(0)))
    milestones = tuple(Milestone(f"M{i}", f"M{i}", p) for i, p in enumerate(percents))
    amounts = milestone_amounts(FixedFeeTerm("FF", fee, milestones), currency)
    assert sum(amounts.values()) == round_to_currency(fee, currency)


@FAST
@given(original=hours, corrected=hours, rate=st.integers(min_value=1, max_value=400))
def test_credit_note_plus_original_nets_to_the_corrected_value(
    original: Decimal, corrected: Decimal, rate: int
) -> None:
    state = approve_time(make_state(tm_term(str(rate))), [entry("T1", 9, str(original))])
    first = run_invoicing(state, JAN)
    second = run_invoicing(correct_time(first.state, "T1", hours=corrected), FEB)
    net = sum(d.net_total for d in first.documents + second.documents)
    assert net == round_to_currency(corrected * rate, "EUR")


@FAST
@given(
    batches=st.lists(entries, min_size=1, max_size=3),
    cap=st.integers(min_value=0, max_value=50_000),
    raises=st.lists(st.integers(min_value=0, max_value=20_000), min_size=3, max_size=3),
)
def test_billed_time_never_exceeds_the_cap_and_nothing_is_lost(
    batches: list[list[tuple[int, Decimal]]], cap: int, raises: list[int]
) -> None:
    state = make_state(tm_term("100", cap=str(cap), billed="1000"))
    limit, value, seen = Decimal(cap), Decimal(0), 0
    for month, batch in enumerate(batches, start=1):
        new = [
            entry(f"T{seen + i}", min(day, 28), str(h), month=month)
            for i, (day, h) in enumerate(batch)
        ]
        seen += len(batch)
        value += sum(round_to_currency(Decimal(h) * 100, "EUR") for _, h in batch)
        state = run_invoicing(approve_time(state, new), date(2026, month, 28)).state
        billed = state.ledger.cap_billed.get(("K1", "TM"), Decimal(0))
        held = state.ledger.held.get(("K1", "TM"), Decimal(0))
        assert billed <= max(Decimal(0), limit - 1000)
        assert billed + held == value
        limit += raises[month - 1]
        state = amend_contract(state, "K1", "TM", cap=limit)


@FAST
@given(batch=entries, rate=st.sampled_from(["99.99", "150", "0.01", "1234.56"]))
def test_header_totals_equal_the_sum_of_rounded_lines(
    batch: list[tuple[int, Decimal]], rate: str
) -> None:
    state = make_state(tm_term(rate))
    state = approve_time(
        state,
        [entry(f"T{i}", d, str(h), resource=f"R{i % 2 + 1}") for i, (d, h) in enumerate(batch)],
    )
    for document in run_invoicing(state, JAN).documents:
        assert document.net_total == sum(ln.net for ln in document.lines)
        assert all(
            ln.net == round_to_currency(ln.quantity * ln.unit_price, "EUR") for ln in document.lines
        )
        assert document.tax_total == sum(s.tax for s in document.tax_subtotals)
        assert document.gross_total == document.net_total + document.tax_total


@FAST
@given(batch=entries)
def test_rerunning_with_nothing_new_issues_nothing(batch: list[tuple[int, Decimal]]) -> None:
    state = approve_time(
        make_state(), [entry(f"T{i}", d, str(h)) for i, (d, h) in enumerate(batch)]
    )
    first = run_invoicing(state, JAN)
    again = run_invoicing(first.state, JAN)
    assert (again.documents, again.intercompany) == ((), ())
    assert again.state.ledger == first.state.ledger


@FAST
@given(batch=entries, data=st.data())
def test_arrival_order_of_independent_items_does_not_change_the_documents(
    batch: list[tuple[int, Decimal]], data: st.DataObject
) -> None:
    state = make_state()
    items = [
        entry(f"T{i:02d}", d, str(h), resource=f"R{i % 2 + 1}") for i, (d, h) in enumerate(batch)
    ]
    shuffled = data.draw(st.permutations(items))
    one = run_invoicing(approve_time(state, items), JAN).documents
    other = run_invoicing(approve_time(state, shuffled), JAN).documents
    assert one == other
    assert sum(ln.quantity for d in one for ln in d.lines) == sum(h for _, h in batch)
