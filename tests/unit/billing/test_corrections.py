"""Corrections after invoicing, closed periods, transfers, milestones and payments."""

from __future__ import annotations

from datetime import date

import pytest

from accord.domain.billing.documents import DocumentStatus
from accord.domain.billing.payments import apply_payment, confirm_posting
from accord.domain.billing.report import render_document, render_intercompany
from accord.domain.billing.run import run_invoicing, sign_contract
from accord.domain.billing.state import (
    BillingState,
    amend_contract,
    approve_time,
    close_period,
    correct_time,
    decide_exception,
    set_milestone,
    transfer_resource,
)
from accord.domain.calendar import Period
from accord.domain.contracts.model import FixedFeeTerm, Milestone, RateVersion, RetainerTerm
from accord.domain.contracts.rates import UsedRateVersionChange
from accord.domain.exceptions import ExceptionAction, ExceptionKind
from tests.unit.billing.builders import FEB, JAN, D, entry, make_state, tm_term

MAR = date(2026, 3, 31)


def _invoiced(*entries: object) -> BillingState:
    state = approve_time(make_state(), [entry("T1", 9, "10"), *entries])  # type: ignore[list-item]
    return run_invoicing(state, JAN).state


def _summary(result: object) -> list[tuple[str, list[str], list[tuple[str, str, str, str]]]]:
    return [
        (
            d["number"],
            d["references"],
            [(ln["description"], ln["quantity"], ln["unit_price"], ln["net"]) for ln in d["lines"]],
        )
        for d in map(render_document, result.documents)  # type: ignore[attr-defined]
    ]


def test_retroactive_rate_increase_bills_the_price_difference() -> None:
    state = amend_contract(
        _invoiced(), "K1", "TM", rates=[RateVersion("consultant", D("165"), date(2026, 1, 5))]
    )
    result = run_invoicing(state, FEB)
    assert _summary(result) == [
        ("INV-DE01-000002", ["INV-DE01-000001"], [("correction T1", "10.00", "15.00", "150.00")])
    ]


def test_retroactive_rate_decrease_is_credited_against_the_original_invoice() -> None:
    state = amend_contract(
        _invoiced(), "K1", "TM", rates=[RateVersion("consultant", D("140"), date(2026, 1, 5))]
    )
    result = run_invoicing(state, FEB)
    assert _summary(result) == [
        ("CN-DE01-000001", ["INV-DE01-000001"], [("correction T1", "-10.00", "10.00", "-100.00")])
    ]


def test_a_used_rate_version_cannot_change() -> None:
    with pytest.raises(UsedRateVersionChange):
        amend_contract(
            _invoiced(), "K1", "TM", rates=[RateVersion("consultant", D("155"), date(2026, 1, 1))]
        )


def test_billable_flag_flipped_off_credits_the_entry_and_back_on_bills_it_again() -> None:
    state = correct_time(_invoiced(), "T1", billable=False)
    credited = run_invoicing(state, FEB)
    assert _summary(credited) == [
        ("CN-DE01-000001", ["INV-DE01-000001"], [("correction T1", "-10.00", "150.00", "-1500.00")])
    ]
    assert credited.state.ledger.documents["INV-DE01-000001"].status is DocumentStatus.CREDITED
    again = run_invoicing(correct_time(credited.state, "T1", billable=True), MAR)
    assert _summary(again) == [
        ("INV-DE01-000002", ["INV-DE01-000001"], [("correction T1", "10.00", "150.00", "1500.00")])
    ]


def test_entry_moved_to_a_date_with_another_rate_bills_the_difference() -> None:
    state = amend_contract(
        make_state(), "K1", "TM", rates=[RateVersion("consultant", D("160"), date(2026, 2, 1))]
    )
    state = run_invoicing(approve_time(state, [entry("T1", 9, "10")]), JAN).state
    result = run_invoicing(correct_time(state, "T1", work_date=date(2026, 2, 3)), FEB)
    assert _summary(result) == [
        ("INV-DE01-000002", ["INV-DE01-000001"], [("correction T1", "10.00", "10.00", "100.00")])
    ]


def test_increase_goes_on_the_next_invoice_with_new_time() -> None:
    state = correct_time(_invoiced(), "T1", hours=D("12"))
    state = approve_time(state, [entry("T2", 3, "4", month=2)])
    result = run_invoicing(state, FEB)
    assert _summary(result) == [
        (
            "INV-DE01-000002",
            ["INV-DE01-000001"],
            [
                ("consultant", "4.00", "150.00", "600.00"),
                ("correction T1", "2.00", "150.00", "300.00"),
            ],
        )
    ]


def test_change_in_a_closed_period_waits_for_finance_approval() -> None:
    state = close_period(_invoiced(), "DE01", Period(2026, 1))
    state = correct_time(state, "T1", hours=D("8"))
    blocked = run_invoicing(state, FEB)
    assert blocked.documents == ()
    assert [(x.kind, x.subject) for x in blocked.exceptions] == [
        (ExceptionKind.CLOSED_PERIOD_CHANGE, "T1")
    ]
    approved = decide_exception(
        blocked.state, ExceptionKind.CLOSED_PERIOD_CHANGE, "T1", ExceptionAction.APPROVE
    )
    result = run_invoicing(approved, FEB)
    assert _summary(result) == [
        ("CN-DE01-000001", ["INV-DE01-000001"], [("correction T1", "-2.00", "150.00", "-300.00")])
    ]
    assert result.documents[0].issue_date == FEB
    assert run_invoicing(result.state, FEB).documents == ()


def test_rejected_closed_period_change_keeps_the_invoiced_figures() -> None:
    state = correct_time(close_period(_invoiced(), "DE01", Period(2026, 1)), "T1", hours=D("8"))
    rejected = decide_exception(
        state, ExceptionKind.CLOSED_PERIOD_CHANGE, "T1", ExceptionAction.REJECT
    )
    result = run_invoicing(rejected, FEB)
    assert (result.documents, result.exceptions) == ((), ())
    assert run_invoicing(result.state, MAR).exceptions == ()


def test_run_through_a_closed_period_dates_the_document_in_the_next_open_one() -> None:
    state = close_period(
        approve_time(make_state(), [entry("T1", 9, "10")]), "DE01", Period(2026, 1)
    )
    (invoice,) = run_invoicing(state, JAN).documents
    assert invoice.issue_date == date(2026, 2, 1)


def test_retroactive_transfer_adjusts_intercompany_for_invoiced_time() -> None:
    state = run_invoicing(approve_time(make_state(markup="10"), [entry("T1", 9, "10")]), JAN).state
    state = transfer_resource(state, "R1", "US01", date(2026, 1, 1))
    result = run_invoicing(state, FEB)
    assert result.documents == ()
    assert render_intercompany(result.intercompany) == [
        {
            "from_entity": "US01",
            "to_entity": "DE01",
            "resource": "R1",
            "hours": "10.00",
            "amount": "770.00",
            "currency": "EUR",
            "amount_in_contract_currency": "770.00",
        }
    ]
    corrected = run_invoicing(correct_time(result.state, "T1", hours=D("6")), MAR)
    assert [(c.hours, c.amount) for c in corrected.intercompany] == [(D("-4"), D("-308.00"))]


def test_milestones_bill_once_after_acceptance_and_respect_a_hold() -> None:
    term = FixedFeeTerm(
        "FF", D("1000.01"), (Milestone("M1", "One", D("33.33")), Milestone("M2", "Two", D("66.67")))
    )
    state = set_milestone(make_state(term), ("K1", "FF", "M2"), accepted=True, on_hold=True)
    state = set_milestone(state, ("K1", "FF", "M1"), accepted=True)
    first = run_invoicing(state, JAN)
    assert _summary(first)[0][2] == [("One", "1.00", "333.30", "333.30")]
    released = set_milestone(first.state, ("K1", "FF", "M2"), on_hold=False)
    second = run_invoicing(released, FEB)
    assert _summary(second)[0][2] == [("Two", "1.00", "666.71", "666.71")]
    assert run_invoicing(second.state, MAR).documents == ()


def test_payments_move_the_status_and_excess_is_unapplied() -> None:
    state = _invoiced()
    state = confirm_posting(state, "INV-DE01-000001")
    state, problems = apply_payment(state, "INV-DE01-000001", D("1000"), "EUR")
    assert problems == ()
    assert state.ledger.documents["INV-DE01-000001"].status is DocumentStatus.PARTIALLY_PAID
    state, problems = apply_payment(state, "INV-DE01-000001", D("900"), "EUR")
    assert state.ledger.documents["INV-DE01-000001"].status is DocumentStatus.PAID
    assert [(x.kind, x.amount_at_risk) for x in problems] == [
        (ExceptionKind.UNAPPLIED_PAYMENT, D("115.00"))
    ]
    _, problems = apply_payment(state, "INV-XX-1", D("1"), "EUR")
    assert problems[0].kind is ExceptionKind.UNAPPLIED_PAYMENT


def test_retainer_prepayment_then_drawdown_never_against_milestones() -> None:
    ff = FixedFeeTerm("FF", D("500"), (Milestone("M1", "All", D("100")),))
    state = make_state(tm_term(), ff, RetainerTerm("RET", D("1000")))
    signed = sign_contract(state, "K1", date(2026, 1, 2))
    assert _summary(signed) == [
        ("INV-DE01-000001", [], [("retainer prepayment", "1.00", "1000.00", "1000.00")])
    ]
    state = set_milestone(
        approve_time(signed.state, [entry("T1", 9, "10")]), ("K1", "FF", "M1"), accepted=True
    )
    result = run_invoicing(state, JAN)
    assert _summary(result)[0][2] == [
        ("consultant", "10.00", "150.00", "1500.00"),
        ("All", "1.00", "500.00", "500.00"),
        ("retainer drawdown", "1.00", "-1000.00", "-1000.00"),
    ]
