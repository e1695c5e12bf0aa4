"""A contract whose activation was rejected and set back is never invoiced again: its
work is reported to billing with the amount at stake instead."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.domain.billing.run import run_invoicing, withdraw_contract
from accord.domain.billing.state import (
    BillingState,
    approve_expenses,
    approve_time,
    correct_time,
)
from accord.domain.delivery.model import Expense
from accord.domain.exceptions import ExceptionKind, OwnerRole
from tests.unit.billing.builders import FEB, JAN, D, entry, make_state


def test_approved_time_on_a_withdrawn_contract_is_reported_not_invoiced() -> None:
    state = withdraw_contract(make_state(), "K1", date(2026, 1, 3))
    state = approve_time(state, [entry("T1", 5, "8"), entry("T2", 6, "2")])

    result = run_invoicing(state, JAN)

    assert result.documents == ()
    (reported,) = result.exceptions
    assert reported.kind is ExceptionKind.CONTRACT_WITHDRAWN
    assert reported.owner is OwnerRole.BILLING
    assert reported.subject == "K1"
    assert reported.amount_at_risk == D("1500.00")  # 10 h at the consultant rate of 150
    assert reported.currency == "EUR"
    assert result.state.ledger == state.ledger  # nothing recorded as billed


def test_a_withdrawn_contract_without_work_raises_nothing_and_other_runs_are_unchanged() -> None:
    state = make_state()
    assert run_invoicing(withdraw_contract(state, "K1", date(2026, 1, 3)), JAN).exceptions == ()
    billed = run_invoicing(approve_time(state, [entry("T1", 5, "8")]), JAN)
    assert len(billed.documents) == 1  # the same work on an active contract is invoiced


hours = st.integers(min_value=1, max_value=400).map(lambda q: D(q) / 4)
work = st.lists(st.tuples(st.integers(min_value=1, max_value=28), hours), max_size=8)


def _with_work(state: BillingState, items: list[tuple[int, Decimal]], prefix: str) -> BillingState:
    """Approved time and a same-currency expense per item, on K1 in January."""
    state = approve_time(
        state, [entry(f"{prefix}T{i}", d, str(h)) for i, (d, h) in enumerate(items)]
    )
    expenses = [
        Expense(f"{prefix}E{i}", "K1", "R1", date(2026, 1, d), h * 10, "EUR")
        for i, (d, h) in enumerate(items)
    ]
    return approve_expenses(state, expenses)


@settings(max_examples=60, deadline=None)
@given(
    before=work,
    after=work,
    corrections=st.lists(st.tuples(st.integers(min_value=0, max_value=7), hours), max_size=4),
)
def test_a_withdrawn_contract_issues_nothing_and_reports_all_it_would_have_billed(
    before: list[tuple[int, Decimal]],
    after: list[tuple[int, Decimal]],
    corrections: list[tuple[int, Decimal]],
) -> None:
    """Whatever was billed before the withdrawal and whatever arrives after it (new
    work, expenses, corrections of billed time): no document, an untouched ledger, and
    one exception whose amount is the net those documents would have carried."""
    state = run_invoicing(_with_work(make_state(), before, "A"), JAN).state
    state = _with_work(state, after, "B")
    for index, hours_now in corrections:
        if index < len(before):
            state = correct_time(state, f"AT{index}", hours=hours_now)

    would_issue = run_invoicing(state, FEB).documents
    withdrawn = withdraw_contract(state, "K1", date(2026, 2, 1))
    result = run_invoicing(withdrawn, FEB)

    assert result.documents == ()
    assert result.state.ledger == state.ledger
    at_stake = sum((abs(d.net_total) for d in would_issue), Decimal(0))
    if not would_issue:
        assert result.exceptions == ()
        return
    (reported,) = result.exceptions
    assert (reported.kind, reported.subject) == (ExceptionKind.CONTRACT_WITHDRAWN, "K1")
    assert reported.amount_at_risk == at_stake
    assert run_invoicing(result.state, FEB).documents == ()  # a later run issues nothing either
