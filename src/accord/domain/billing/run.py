"""The invoice run: a pure function of the billing state and a through date.

For each contract (in onboarding order) it bills what is billable on or before `through`
and not yet billed, corrects what changed since it was billed, and returns the new
documents, the business exceptions, the intercompany charges and the updated state.
Running it again with nothing new issues nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from accord.domain.billing.charges import (
    apply_caps,
    draft_drawdown,
    draft_expense_corrections,
    draft_expenses,
    draft_milestones,
)
from accord.domain.billing.documents import Document, DocumentKind, DraftLine, LineKind
from accord.domain.billing.errors import BlockedByException
from accord.domain.billing.fx import FxTable
from accord.domain.billing.intercompany import intercompany_charges
from accord.domain.billing.issuing import Issuer, LedgerChanges
from accord.domain.billing.ledger import IntercompanyCharge, TermKey
from accord.domain.billing.state import BillingState
from accord.domain.billing.time_charges import TimeOutcome, draft_time
from accord.domain.contracts.model import Contract
from accord.domain.exceptions import BusinessException, ExceptionKind


@dataclass(frozen=True, slots=True)
class InvoiceRunResult:
    """What a run (or a signing) produced. `exceptions` includes blocking ones (the
    contract's documents were not issued) and informational ones such as `cap_reached`;
    `contracts` are the contracts it looked at, so the exceptions of those it did not
    raise again are known to be gone."""

    state: BillingState
    documents: tuple[Document, ...] = ()
    exceptions: tuple[BusinessException, ...] = ()
    intercompany: tuple[IntercompanyCharge, ...] = ()
    contracts: tuple[str, ...] = ()


@dataclass(slots=True)
class _ContractPlan:
    time: TimeOutcome
    credit_lines: list[DraftLine]
    invoice_lines: list[DraftLine]
    milestones: list[tuple[str, str]]
    expenses: list[str]
    expense_billed: dict[str, Decimal]
    held: dict[TermKey, Decimal]
    retainer_balance: dict[TermKey, Decimal]
    intercompany: tuple[IntercompanyCharge, ...]


def sign_contract(state: BillingState, contract: str, on: date) -> InvoiceRunResult:
    """Activate a contract: a retainer issues its prepayment invoice (386) dated `on`.

    When the prepayment is blocked (say, a missing tax rule) the next invoice run
    issues it once the cause is gone.
    """
    state = replace(state, signed={**state.signed, contract: on})
    issuer = Issuer(state, state.contracts[contract], on, dict(state.ledger.counters))
    try:
        document = issuer.issue_prepayment()
    except BlockedByException as blocked:
        return InvoiceRunResult(state, exceptions=(blocked.exception,), contracts=(contract,))
    documents = (document,) if document else ()
    return InvoiceRunResult(issuer.changes.apply(state), documents, contracts=(contract,))


def withdraw_contract(state: BillingState, contract: str, on: date) -> BillingState:
    """A contract whose activation was rejected and set back: nothing more is billed on it.

    Work that still arrives for it is reported by the invoice run, never invoiced, because
    the ERP project it would post to has been deactivated."""
    return replace(state, withdrawn={**state.withdrawn, contract: on})


def _withdrawn_work(
    state: BillingState,
    contract: Contract,
    through: date,
    fx: FxTable,
    counters: dict[tuple[str, str], int],
) -> list[BusinessException]:
    """What a run would bill on a withdrawn contract, as one exception (nothing is issued).
    The amount at stake is the invoice's net plus the credit note's (unsigned): both
    would have changed what the customer owes."""
    issuer = Issuer(state, contract, through, dict(counters))
    try:
        plan = _plan(state, contract, through, fx, issuer)
    except BlockedByException:
        return []
    lines = plan.invoice_lines + plan.credit_lines
    if not lines:
        return []
    amount = sum((line.net for line in plan.invoice_lines), Decimal(0)) - sum(
        (line.net for line in plan.credit_lines), Decimal(0)
    )
    return [
        BusinessException(
            ExceptionKind.CONTRACT_WITHDRAWN,
            contract.id,
            f"{amount} {contract.currency} of work and corrections on {contract.id} is not "
            f"invoiced: its activation was rejected on "
            f"{state.withdrawn[contract.id].isoformat()}; move the work to an active "
            f"contract or re-sign it",
            amount_at_risk=amount,
            currency=contract.currency,
        )
    ]


def run_invoicing(
    state: BillingState, through: date, contracts: Collection[str] | None = None
) -> InvoiceRunResult:
    """Bill everything billable dated on or before `through`, for the given contracts
    (in onboarding order) or all."""
    fx = FxTable(state.firm.fx)
    changes = LedgerChanges(counters=dict(state.ledger.counters))
    documents: list[Document] = []
    exceptions: list[BusinessException] = []
    covered: list[str] = []
    for candidate in state.contracts.values():
        if contracts is not None and candidate.id not in contracts:
            continue
        covered.append(candidate.id)
        if candidate.id in state.withdrawn:
            exceptions += _withdrawn_work(state, candidate, through, fx, changes.counters)
            continue
        issuer = Issuer(state, candidate, through, changes.counters)
        try:
            prepayment = issuer.issue_prepayment()
            plan = _plan(state, candidate, through, fx, issuer)
            issued = _commit(issuer, plan)
        except BlockedByException as blocked:
            exceptions.append(blocked.exception)
            continue
        changes.absorb(issuer.changes)
        documents += ([prepayment] if prepayment else []) + issued
        exceptions += plan.time.exceptions + _cap_exceptions(candidate, plan.held)
    return InvoiceRunResult(
        changes.apply(state),
        tuple(documents),
        tuple(exceptions),
        tuple(changes.intercompany),
        tuple(covered),
    )


def _plan(
    state: BillingState, contract: Contract, through: date, fx: FxTable, issuer: Issuer
) -> _ContractPlan:
    time = draft_time(state, contract, through)
    expenses = draft_expenses(state, contract, through, fx)
    corrected = draft_expense_corrections(state, contract, through, fx)
    time.exceptions += corrected.exceptions  # reported, consumed and declined with time's
    time.consumed += corrected.consumed
    time.declined.update(corrected.declined)
    milestones = draft_milestones(state, contract)
    time_lines = [ln for ln in time.invoice_lines if ln.kind is LineKind.TIME]
    increases = sorted(
        [ln for ln in time.invoice_lines if ln.kind is LineKind.CORRECTION] + corrected.increases,
        key=lambda ln: ln.entry or "",
    )
    credits = sorted(time.credit_lines + corrected.credits, key=lambda ln: ln.entry or "")
    lines = time_lines + expenses + [line for _, line in milestones] + increases
    caps = apply_caps(state.ledger, contract, lines, credits)
    lines += caps.lines
    drawdown, retainer_balance = draft_drawdown(issuer.retainer_balance_now(), contract, lines)
    return _ContractPlan(
        time,
        credits,
        lines + drawdown,
        [(line.term or "", m) for m, line in milestones],
        [ln.description for ln in expenses],
        {ln.description: ln.net for ln in expenses} | corrected.billed,
        caps.held,
        retainer_balance,
        intercompany_charges(contract, time.charges, through, fx),
    )


def _commit(issuer: Issuer, plan: _ContractPlan) -> list[Document]:
    issued: list[Document] = []
    if plan.credit_lines:
        issued.append(issuer.issue(DocumentKind.CREDIT_NOTE, plan.credit_lines))
    if plan.invoice_lines:
        issued.append(issuer.issue(DocumentKind.INVOICE, plan.invoice_lines))
    invoice = issued[-1].number if plan.invoice_lines else None
    issuer.record_time(plan.time, invoice)
    issuer.record_items(invoice, plan.expenses, plan.milestones)
    issuer.changes.expense_billed.update(plan.expense_billed)
    issuer.record_balances(issued, plan.held, plan.retainer_balance, plan.intercompany)
    return issued


def _cap_exceptions(contract: Contract, held: dict[TermKey, Decimal]) -> list[BusinessException]:
    return [
        BusinessException(
            ExceptionKind.CAP_REACHED,
            contract.id,
            f"{amount} {contract.currency} on {contract.id}/{term} is held by the "
            f"not-to-exceed cap: amend the cap to release it",
            amount_at_risk=amount,
            currency=contract.currency,
        )
        for (_, term), amount in held.items()
        if amount > 0
    ]
