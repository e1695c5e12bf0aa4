"""Billing invariants across random sequences of approvals, corrections and credit notes.

Each month some work and expenses are approved, earlier ones are corrected (hours,
billable flag, amount), and an invoice run closes the month. After every run:
- credit notes never exceed what they correct: no invoice is credited beyond its gross,
  no item's net billing goes below zero, and the invoices are reduced by exactly what
  the credit notes credit;
- no hour is billed twice: an entry is on at most one time line, and its net billing
  equals its current hours at its price;
- revenue recognised to date equals billed plus contract asset less contract liability,
  and once a month is invoiced T&M revenue equals billing (no phantom asset or liability).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from accord.domain.billing.documents import DocumentKind, LineKind
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_expenses, approve_time, correct_time
from accord.domain.contracts.model import ExpensePolicy
from accord.domain.delivery.model import Expense
from accord.domain.revenue.recognition import revenue_schedule
from tests.unit.billing.builders import entry, make_state, tm_term

RATE = Decimal("99.99")
STEP = Decimal("0.05")  # three minutes: hours stay whole minutes and exact decimals
hours = st.integers(min_value=0, max_value=300).map(lambda n: n * STEP)
work_hours = st.integers(min_value=1, max_value=300).map(lambda n: n * STEP)
amounts = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c) / 100)
step = st.one_of(
    st.tuples(st.just("time"), st.integers(1, 28), work_hours),
    st.tuples(st.just("correct"), st.integers(0, 50), hours, st.booleans()),
    st.tuples(st.just("expense"), st.integers(1, 28), amounts),
    st.tuples(st.just("reapprove"), st.integers(0, 50), amounts, st.booleans()),
)
months = st.lists(st.lists(step, max_size=6), min_size=1, max_size=4)


def _month_end(month: int) -> date:
    return date(2026, month + 1, 1) - timedelta(days=1)


def _apply(state: BillingState, month: int, action: tuple[Any, ...]) -> BillingState:
    kind = action[0]
    entries = sorted(e for c in state.time_entries.values() for e in c)
    expenses = sorted((x for c in state.expenses.values() for x in c.values()), key=lambda x: x.id)
    if kind == "time":
        _, day, worked = action
        new = entry(f"T{len(entries):03d}", int(day), str(worked), month=month)
        return approve_time(state, [new])
    if kind == "correct" and entries:
        _, index, worked, billable = action
        target = entries[int(index) % len(entries)]
        return correct_time(state, target, hours=worked, billable=bool(billable))
    if kind == "expense":
        _, day, amount = action
        spent = Expense(
            f"E{len(expenses):03d}", "K1", "R1", date(2026, month, int(day)), amount, "EUR"
        )
        return approve_expenses(state, [spent])
    if kind == "reapprove" and expenses:
        _, index, amount, billable = action
        target = expenses[int(index) % len(expenses)]
        return approve_expenses(state, [replace(target, amount=amount, billable=bool(billable))])
    return state


def _check_credits(state: BillingState) -> None:
    documents = state.ledger.documents.values()
    credit_notes = [d for d in documents if d.kind is DocumentKind.CREDIT_NOTE]
    for document in documents:
        if document.kind is DocumentKind.INVOICE:
            # Each credit line is rounded on its own (the format's line net), so crediting
            # entries billed in several rounded pieces may pass their rounded nets by at
            # most a cent per credit line, with tax; never more. A credit line lands here
            # when it names this invoice, or names an invoice this one corrected upwards
            # and that invoice had no room left (docs/billing.md).
            landing = {document.number, *document.references}
            lines = sum(1 for c in credit_notes for ln in c.lines if ln.reference in landing)
            assert 0 <= document.credited <= document.gross_total + Decimal("0.01") * lines
    assert sum(d.credited for d in documents) == -sum(d.gross_total for d in credit_notes)
    per_item: dict[str, Decimal] = {}
    for document in documents:
        for line in document.lines:
            for item, share in line.items:
                value = share * line.unit_price
                per_item[item] = per_item.get(item, Decimal(0)) + value
            if line.kind is LineKind.CORRECTION and line.entry:
                value = line.quantity * line.unit_price
                per_item[line.entry] = per_item.get(line.entry, Decimal(0)) + value
    assert all(value >= 0 for value in per_item.values()), per_item


def _check_hours(state: BillingState, through: date) -> None:
    time_lines = [
        item
        for d in state.ledger.documents.values()
        for ln in d.lines
        if ln.kind is LineKind.TIME
        for item, _ in ln.items
    ]
    assert len(time_lines) == len(set(time_lines)), "an entry is on two time lines"
    for work in state.time_entries.get("K1", {}).values():
        billed = state.ledger.entries.get(work.id)
        due = work.hours if work.billable and work.work_date <= through else Decimal(0)
        assert (billed.hours if billed else Decimal(0)) == due


def _check_revenue(state: BillingState, through: date) -> None:
    rows = revenue_schedule(state)
    for row in rows:
        assert row.recognized_cumulative == (
            row.billed_cumulative + row.contract_asset - row.contract_liability
        )
    last = [r for r in rows if r.term == "TM" and r.period.last_day == through]
    assert all(r.contract_asset == r.contract_liability == 0 for r in last), last


ENTRY_BILLED_IN_PIECES = [
    [("time", 1, Decimal("9.55"))],
    [("time", 1, Decimal("1.55")), ("correct", 0, Decimal("10.10"), True)],
    [("correct", 0, Decimal("0.00"), False), ("correct", 1, Decimal("0.00"), False)],
]
"""An entry invoiced, corrected upwards on the next invoice, then credited in one line:
the cent its rounding passes the pieces by lands on the correcting invoice."""


@settings(max_examples=200, deadline=None)
@given(plan=months)
@example(plan=ENTRY_BILLED_IN_PIECES)
def test_credits_hours_and_revenue_hold_across_random_corrections(
    plan: list[list[tuple[Any, ...]]],
) -> None:
    state = make_state(tm_term(str(RATE)), expense_policy=ExpensePolicy(Decimal(7), Decimal(0)))
    for month, actions in enumerate(plan, start=1):
        for action in actions:
            state = _apply(state, month, action)
        through = _month_end(month)
        state = run_invoicing(state, through).state
        _check_credits(state)
        _check_hours(state, through)
        _check_revenue(state, through)
