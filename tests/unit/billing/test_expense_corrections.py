"""An expense re-approved after invoicing is a correction like any other (issue 14)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

from accord.application.document_mapping import to_invoice
from accord.application.reconciliation_mapping import hub_charges
from accord.domain.billing.report import render_document
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import (
    BillingState,
    approve_expenses,
    close_period,
    decide_exception,
)
from accord.domain.calendar import Period
from accord.domain.contracts.model import ExpensePolicy
from accord.domain.delivery.model import Expense
from accord.domain.exceptions import ExceptionAction, ExceptionKind
from tests.unit.billing.builders import FEB, JAN, make_state

MAR = date(2026, 3, 31)
TAXI = Expense("E1", "K1", "R1", date(2026, 1, 14), D("100"), "EUR")


def _invoiced() -> BillingState:
    state = make_state(expense_policy=ExpensePolicy(D("10"), D("0")))
    return run_invoicing(approve_expenses(state, [TAXI]), JAN).state


def _lines(state: BillingState, through: date) -> list[tuple[str, str, list[str], list[str]]]:
    return [
        (
            d["kind"],
            d["number"],
            d["references"],
            [f"{ln['description']} {ln['quantity']} x {ln['unit_price']}" for ln in d["lines"]],
        )
        for d in map(render_document, run_invoicing(state, through).documents)
    ]


def test_a_lower_amount_re_approved_is_credited_against_the_invoice() -> None:
    state = approve_expenses(_invoiced(), [replace(TAXI, amount=D("80"))])
    assert _lines(state, FEB) == [
        ("credit_note", "CN-DE01-000001", ["INV-DE01-000001"], ["correction E1 -1.00 x 22.00"])
    ]


def test_a_higher_amount_re_approved_is_billed_as_a_correction() -> None:
    state = approve_expenses(_invoiced(), [replace(TAXI, amount=D("120"))])
    assert _lines(state, FEB) == [
        ("invoice", "INV-DE01-000002", ["INV-DE01-000001"], ["correction E1 1.00 x 22.00"])
    ]


def test_an_expense_made_non_billable_is_credited_in_full_once() -> None:
    state = approve_expenses(_invoiced(), [replace(TAXI, billable=False)])
    first = run_invoicing(state, FEB)
    assert _lines(state, FEB) == [
        ("credit_note", "CN-DE01-000001", ["INV-DE01-000001"], ["correction E1 -1.00 x 110.00"])
    ]
    assert run_invoicing(first.state, MAR).documents == ()


def test_an_expense_correction_reads_back_as_the_expense_never_as_time() -> None:
    state = approve_expenses(_invoiced(), [replace(TAXI, amount=D("80"))])
    state = run_invoicing(state, FEB).state
    charges = {(c.key, c.document, c.amount) for c in hub_charges(state.ledger.documents.values())}
    assert charges == {
        ("expense:E1", "INV-DE01-000001", D("110.00")),
        ("expense:E1", "CN-DE01-000001", D("-22.00")),
    }
    (line,) = to_invoice(state.ledger.documents["CN-DE01-000001"]).lines
    assert (line.expense_id, line.time_entry_ids) == ("E1", [])


def test_a_correction_of_an_expense_in_a_closed_period_waits_for_finance() -> None:
    state = close_period(_invoiced(), "DE01", Period(2026, 1))
    state = approve_expenses(state, [replace(TAXI, amount=D("80"))])
    held = run_invoicing(state, FEB)
    assert held.documents == ()
    assert [(x.kind, x.subject) for x in held.exceptions] == [
        (ExceptionKind.CLOSED_PERIOD_CHANGE, "E1")
    ]
    approved = decide_exception(
        held.state, ExceptionKind.CLOSED_PERIOD_CHANGE, "E1", ExceptionAction.APPROVE
    )
    assert _lines(approved, FEB) == [
        ("credit_note", "CN-DE01-000001", ["INV-DE01-000001"], ["correction E1 -1.00 x 22.00"])
    ]
    rejected = decide_exception(
        held.state, ExceptionKind.CLOSED_PERIOD_CHANGE, "E1", ExceptionAction.REJECT
    )
    after = run_invoicing(rejected, FEB)
    assert (after.documents, after.exceptions) == ((), ())
    assert run_invoicing(after.state, MAR).exceptions == ()
