"""A contract whose activation was rejected and set back is never invoiced again: its
work is reported to billing with the amount at stake instead."""

from __future__ import annotations

from datetime import date

from accord.domain.billing.run import run_invoicing, withdraw_contract
from accord.domain.billing.state import approve_time
from accord.domain.exceptions import ExceptionKind, OwnerRole
from tests.unit.billing.builders import JAN, D, entry, make_state


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
