"""Over random months of time, expenses, corrections, amendments, HR transfers, FX
quotes, closed periods and finance decisions, a run of the row store (which reads a
contract's unsettled items only while what its settled ones were priced against holds)
issues, raises, charges and leaves exactly what the engine's run over the whole state
does (SQLite; the reads themselves are the same SQL on every database)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from accord.adapters.billing_rows import billing_checkpoint, billing_rows
from accord.domain.billing.state import (
    BillingState,
    amend_contract,
    approve_expenses,
    approve_time,
    close_period,
    correct_time,
    decide_exception,
    transfer_resource,
)
from accord.domain.calendar import Period
from accord.domain.contracts.model import ExpensePolicy, FxQuote, PersonRate
from accord.domain.contracts.rates import UsedRateVersionChange
from accord.domain.delivery.model import Expense
from accord.domain.exceptions import ExceptionAction, ExceptionKind
from tests.integration.billing.test_settled_runs import Firm
from tests.integration.wired_store import migrated_store
from tests.unit.billing.builders import entry, make_state, tm_term

STEP = Decimal("0.25")
hours = st.integers(min_value=0, max_value=40).map(lambda n: n * STEP)
amounts = st.integers(min_value=1, max_value=90_000).map(lambda c: Decimal(c) / 100)
rates = st.integers(min_value=50, max_value=300).map(Decimal)
action = st.one_of(
    st.tuples(st.just("time"), st.integers(1, 28), hours, st.sampled_from(["R1", "R2"])),
    st.tuples(st.just("correct"), st.integers(0, 99), hours, st.booleans()),
    st.tuples(st.just("expense"), st.integers(1, 28), amounts, st.sampled_from(["EUR", "USD"])),
    st.tuples(st.just("reapprove"), st.integers(0, 99), amounts, st.booleans()),
    st.tuples(st.just("rate"), st.integers(1, 3), rates),
    st.tuples(st.just("transfer"), st.integers(1, 4), st.sampled_from(["US01", "DE01"])),
    st.tuples(st.just("fx"), st.integers(1, 4), st.integers(80, 120)),
    st.tuples(st.just("close"), st.integers(1, 4)),
    st.tuples(st.just("decide"), st.integers(0, 99), st.booleans()),
)
plans = st.lists(st.lists(action, max_size=6), min_size=1, max_size=4)
FIRST_QUOTE = FxQuote(date(2025, 1, 1), "USD", "EUR", Decimal("0.9"))


def _first(month: int) -> date:
    return date(2026, month, 1)


def _items(state: BillingState) -> tuple[list[str], list[Expense]]:
    entries = sorted(e for c in state.time_entries.values() for e in c)
    spent = sorted((x for c in state.expenses.values() for x in c.values()), key=lambda x: x.id)
    return entries, spent


def _deliver(state: BillingState, month: int, step: tuple[Any, ...]) -> BillingState:
    """Time, expenses and their corrections."""
    entries, spent = _items(state)
    kind = step[0]
    if kind == "time":
        _, day, worked, person = step
        new = entry(f"T{len(entries):03d}", day, str(worked), month=month, resource=person)
        return approve_time(state, [new])
    if kind == "correct" and entries:
        _, index, worked, billable = step
        return correct_time(state, entries[index % len(entries)], hours=worked, billable=billable)
    if kind == "expense":
        _, day, amount, currency = step
        day_spent = _first(month) + timedelta(days=day - 1)
        spending = Expense(f"E{len(spent):03d}", "K1", "R1", day_spent, amount, currency)
        return approve_expenses(state, [spending])
    if kind == "reapprove" and spent:
        _, index, amount, billable = step
        changed = replace(spent[index % len(spent)], amount=amount, billable=billable)
        return approve_expenses(state, [changed])
    return state


def _govern(state: BillingState, month: int, step: tuple[Any, ...]) -> BillingState:
    """Amendments, HR, FX, closed periods and decisions."""
    kind = step[0]
    if kind == "rate":
        _, since, rate = step
        override = PersonRate("R1", rate, _first(since))
        try:
            return amend_contract(state, "K1", "TM", person_rates=[override])
        except UsedRateVersionChange:
            return state
    if kind == "transfer":
        _, since, entity = step
        return transfer_resource(state, "R2", entity, _first(since))
    if kind == "fx":
        _, since, rate = step
        quote = FxQuote(_first(since), "USD", "EUR", Decimal(rate) / 100)
        return replace(state, firm=replace(state.firm, fx=(*state.firm.fx, quote)))
    if kind == "close" and step[1] < month:
        return close_period(state, "DE01", Period(2026, step[1]))
    entries, spent = _items(state)
    subjects = entries + [e.id for e in spent]
    if kind == "decide" and subjects:
        _, index, approve = step
        choice = ExceptionAction.APPROVE if approve else ExceptionAction.REJECT
        subject = subjects[index % len(subjects)]
        return decide_exception(state, ExceptionKind.CLOSED_PERIOD_CHANGE, subject, choice)
    return _deliver(state, month, step)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("settled") / "accord.sqlite"
    with migrated_store(f"sqlite:///{path}") as engine:
        yield engine


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=plans)
def test_a_run_that_reads_the_unsettled_items_issues_what_the_whole_run_issues(
    engine: Engine, plan: list[list[tuple[Any, ...]]]
) -> None:
    with engine.begin() as conn:
        conn.execute(billing_rows.delete())
        conn.execute(billing_checkpoint.delete())
    policy = ExpensePolicy(Decimal(7), Decimal(0))
    start = make_state(tm_term(), expense_policy=policy, fx=(FIRST_QUOTE,), markup="5")
    firm = Firm(engine, start)
    for month, steps in enumerate(plan, start=1):
        for step in steps:
            firm.change(lambda s, m=month, a=step: _govern(s, m, a))  # type: ignore[misc]
        firm.run(_first(month + 1) - timedelta(days=1))
