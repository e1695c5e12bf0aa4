"""Expense, milestone, cap and retainer lines of one contract's invoice in a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from accord.domain.billing.documents import DraftLine, LineKind
from accord.domain.billing.errors import BlockedByException
from accord.domain.billing.fx import FxTable
from accord.domain.billing.ledger import BillingLedger, TermKey
from accord.domain.billing.state import BillingState
from accord.domain.contracts.model import (
    Contract,
    ExpensePolicy,
    FixedFeeTerm,
    RetainerTerm,
    TimeAndMaterialsTerm,
    milestone_amounts,
)
from accord.domain.delivery.model import Expense, MilestoneState
from accord.domain.exceptions import BusinessException, ExceptionAction, ExceptionKind
from accord.domain.money import round_to_currency

ONE = Decimal(1)


def expense_amount(
    expense: Expense, contract: Contract, policy: ExpensePolicy, fx: FxTable
) -> Decimal:
    """amount x fx(expense currency -> contract currency, expense date) x (1 + markup %)
    + flat fee, rounded once to the contract currency."""
    rate = fx.rate(expense.currency, contract.currency, expense.expense_date, contract.id)
    value = expense.amount * rate * (1 + policy.markup_percent / 100) + policy.flat_fee
    return round_to_currency(value, contract.currency)


def draft_expenses(
    state: BillingState, contract: Contract, through: date, fx: FxTable
) -> list[DraftLine]:
    """One line per billable, unbilled expense dated on or before `through`, by id."""
    expenses = sorted(state.expenses.get(contract.id, {}).values(), key=lambda e: e.id)
    found = (_expense_line(state, contract, expense, through, fx) for expense in expenses)
    return [line for line in found if line is not None]


def _expense_line(
    state: BillingState, contract: Contract, expense: Expense, through: date, fx: FxTable
) -> DraftLine | None:
    """The line of a billable expense not yet billed and dated by `through`, else None."""
    if not expense.billable or expense.expense_date > through:
        return None
    if expense.id in state.ledger.expenses:
        return None
    amount = expense_amount(expense, contract, contract.expense_policy or ExpensePolicy(), fx)
    return DraftLine(
        LineKind.EXPENSE, None, expense.id, ONE, amount, amount, items=((expense.id, ONE),)
    )


@dataclass(frozen=True, slots=True)
class ExpenseCorrections:
    """Differences between what invoiced expenses stand at and what they are now."""

    increases: list[DraftLine] = field(default_factory=list)
    credits: list[DraftLine] = field(default_factory=list)
    billed: dict[str, Decimal] = field(default_factory=dict)
    """Expense id -> the net it stands at once these lines are issued."""
    exceptions: list[BusinessException] = field(default_factory=list)
    consumed: list[tuple[ExceptionKind, str]] = field(default_factory=list)
    declined: dict[str, tuple[int, Decimal]] = field(default_factory=dict)


DECLINED_EXPENSE = "expense:"
"""Prefix of an expense's key in `BillingLedger.declined` (time entries use bare ids)."""


def _may_correct(
    state: BillingState, contract: Contract, expense: Expense, now: Decimal, out: ExpenseCorrections
) -> bool:
    """An expense dated in a closed period is corrected only once finance approves
    (`closed_period_change`); a rejection keeps the invoiced figure for that value."""
    if state.ledger.declined.get(DECLINED_EXPENSE + expense.id) == (0, now):
        return False
    if not state.is_closed(contract.entity, expense.expense_date):
        return True
    key = (ExceptionKind.CLOSED_PERIOD_CHANGE, expense.id)
    decision = state.ledger.decisions.get(key)
    if decision is None:
        out.exceptions.append(
            BusinessException(
                ExceptionKind.CLOSED_PERIOD_CHANGE,
                expense.id,
                f"expense {expense.id} changed after invoicing and is dated in a closed "
                f"period of {contract.entity}: approve to bill the correction in the open "
                f"period, or reject to keep the invoiced figure",
            )
        )
        return False
    out.consumed.append(key)
    if decision is ExceptionAction.REJECT:
        out.declined[DECLINED_EXPENSE + expense.id] = (0, now)
        return False
    return decision is ExceptionAction.APPROVE


def billed_expense(ledger: BillingLedger, expense_id: str) -> Decimal:
    """The net an invoiced expense stands at: recorded since corrections exist, read from
    its invoice line for expenses invoiced before."""
    if expense_id in ledger.expense_billed:
        return ledger.expense_billed[expense_id]
    invoice = ledger.documents.get(ledger.expenses[expense_id])
    lines = invoice.lines if invoice else ()
    return sum(
        (ln.net for ln in lines if ln.kind is LineKind.EXPENSE and ln.description == expense_id),
        Decimal(0),
    )


def draft_expense_corrections(
    state: BillingState, contract: Contract, through: date, fx: FxTable
) -> ExpenseCorrections:
    """An invoiced expense re-approved with another amount, or made non-billable, is
    corrected like time: a reduction on the credit note, an increase on the next
    invoice, both `correction <expense id>` lines referencing the original invoice."""
    corrections = ExpenseCorrections()
    for expense in sorted(state.expenses.get(contract.id, {}).values(), key=lambda e: e.id):
        _correct_expense(state, contract, expense, through, fx, corrections)
    return corrections


def _correct_expense(
    state: BillingState,
    contract: Contract,
    expense: Expense,
    through: date,
    fx: FxTable,
    corrections: ExpenseCorrections,
) -> None:
    """Add the correction of an invoiced expense whose value changed to `corrections`."""
    ledger = state.ledger
    if expense.id not in ledger.expenses:
        return
    due = expense.billable and expense.expense_date <= through
    policy = contract.expense_policy or ExpensePolicy()
    now = expense_amount(expense, contract, policy, fx) if due else Decimal(0)
    delta = now - billed_expense(ledger, expense.id)
    if not delta or not _may_correct(state, contract, expense, now, corrections):
        return
    quantity = ONE if delta > 0 else -ONE
    line = DraftLine(
        LineKind.CORRECTION,
        None,
        f"correction {expense.id}",
        quantity,
        abs(delta),
        delta,
        expense.id,
        ledger.expenses[expense.id],
    )
    (corrections.increases if delta > 0 else corrections.credits).append(line)
    corrections.billed[expense.id] = now


def quiet_expenses(
    state: BillingState, contract: Contract, through: date, fx: FxTable
) -> frozenset[str]:
    """The contract's expenses a run through `through` leaves alone: each adds no line,
    correction or exception of its own and needs no FX rate the firm lacks (see
    `domain.billing.settled`)."""
    quiet = set()
    for expense in state.expenses.get(contract.id, {}).values():
        corrections = ExpenseCorrections()
        try:
            line = _expense_line(state, contract, expense, through, fx)
            _correct_expense(state, contract, expense, through, fx, corrections)
        except BlockedByException:
            continue
        if line is None and corrections == ExpenseCorrections():
            quiet.add(expense.id)
    return frozenset(quiet)


def draft_milestones(state: BillingState, contract: Contract) -> list[tuple[str, DraftLine]]:
    """(milestone id, line) for accepted milestones not on hold and not yet billed."""
    found = []
    for term in contract.terms:
        if not isinstance(term, FixedFeeTerm):
            continue
        amounts = milestone_amounts(term, contract.currency)
        for milestone in term.milestones:
            key = (contract.id, term.id, milestone.id)
            status = state.milestones.get(key, MilestoneState())
            if not status.accepted or status.on_hold or key in state.ledger.milestones:
                continue
            amount = amounts[milestone.id]
            line = DraftLine(
                LineKind.MILESTONE,
                term.id,
                milestone.name,
                ONE,
                amount,
                amount,
                items=((milestone.id, ONE),),
            )
            found.append((milestone.id, line))
    return found


@dataclass(frozen=True, slots=True)
class CapOutcome:
    lines: list[DraftLine]
    held: dict[TermKey, Decimal]


def _term_sum(lines: list[DraftLine], term: str) -> Decimal:
    return sum((ln.net for ln in lines if ln.term == term), Decimal(0))


def apply_caps(
    ledger: BillingLedger,
    contract: Contract,
    invoice_lines: list[DraftLine],
    credit_lines: list[DraftLine],
) -> CapOutcome:
    """Hold what exceeds cap - billed to date; release held value when there is room.

    Time is billed at full value and one `cap_hold` line brings the term back to the cap;
    a `cap_release` line bills held value once a raised cap (or a credit) makes room.
    """
    lines: list[DraftLine] = []
    held: dict[TermKey, Decimal] = {}
    for term in contract.terms:
        if not isinstance(term, TimeAndMaterialsTerm) or term.cap is None:
            continue
        key = (contract.id, term.id)
        already = ledger.cap_billed.get(key, Decimal(0)) + _term_sum(credit_lines, term.id)
        room = max(Decimal(0), term.cap - term.billed_to_date - already)
        charges = _term_sum(invoice_lines, term.id)
        holding = ledger.held.get(key, Decimal(0))
        if charges > room:
            excess = charges - room
            lines.append(DraftLine(LineKind.CAP_HOLD, term.id, "cap hold", ONE, -excess, -excess))
            holding += excess
        elif holding and room > charges:
            release = min(holding, room - charges)
            lines.append(
                DraftLine(LineKind.CAP_RELEASE, term.id, "cap release", ONE, release, release)
            )
            holding -= release
        held[key] = holding
    return CapOutcome(lines, held)


TIME_KINDS = frozenset(
    {LineKind.TIME, LineKind.CORRECTION, LineKind.CAP_HOLD, LineKind.CAP_RELEASE}
)


def draft_drawdown(
    balances_now: dict[TermKey, Decimal], contract: Contract, invoice_lines: list[DraftLine]
) -> tuple[list[DraftLine], dict[TermKey, Decimal]]:
    """Retainer drawdown against this invoice's time charges, never expenses or milestones:
    applied = min(balance, time charges); one negative line per retainer term."""
    tm_terms = {t.id for t in contract.terms if isinstance(t, TimeAndMaterialsTerm)}
    charges = sum(
        (ln.net for ln in invoice_lines if ln.kind in TIME_KINDS and ln.term in tm_terms),
        Decimal(0),
    )
    lines: list[DraftLine] = []
    balances: dict[TermKey, Decimal] = {}
    for term in contract.terms:
        key = (contract.id, term.id)
        balance = balances_now.get(key, Decimal(0))
        if not isinstance(term, RetainerTerm) or charges <= 0 or balance <= 0:
            continue
        applied = min(balance, charges)
        charges -= applied
        balances[key] = balance - applied
        lines.append(
            DraftLine(
                LineKind.RETAINER_DRAWDOWN, term.id, "retainer drawdown", ONE, -applied, -applied
            )
        )
    return lines, balances
