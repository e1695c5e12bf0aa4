"""Revenue recognition (ASC 606 / IFRS 15) and realization per contract term.

- Time & materials: revenue follows the right to invoice: what the documents bill, as
  rounded on them, plus the value of billable work they do not bill yet, within the
  not-to-exceed cap in force at the time.
- Fixed fee with `estimated_cost`: cost-to-cost, cumulative = fee x min(1, cost to date /
  estimated cost); without an estimate, revenue follows the accepted (billed) milestones.
- Retainer: the prepayment is deferred; revenue arrives through the time it pays for.
Cumulative revenue above cumulative billing is a contract asset, below it a liability.
A term that cannot be valued (a missing FX rate) is an exception, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from accord.domain.billing.documents import LineKind
from accord.domain.billing.errors import BlockedByException
from accord.domain.billing.fx import FxTable
from accord.domain.billing.state import BillingState
from accord.domain.calendar import Period
from accord.domain.contracts.model import (
    Contract,
    FixedFeeTerm,
    Term,
    TimeAndMaterialsTerm,
)
from accord.domain.contracts.rates import RateCard
from accord.domain.exceptions import BusinessException
from accord.domain.money import round_to_currency


@dataclass(frozen=True, slots=True)
class RevenueRow:
    contract: str
    term: str
    period: Period
    currency: str
    recognized_cumulative: Decimal
    billed_cumulative: Decimal

    @property
    def contract_asset(self) -> Decimal:
        return max(Decimal(0), self.recognized_cumulative - self.billed_cumulative)

    @property
    def contract_liability(self) -> Decimal:
        return max(Decimal(0), self.billed_cumulative - self.recognized_cumulative)


@dataclass(frozen=True, slots=True)
class Realization:
    """Write-down = standard value - billed value; realization = billed / standard."""

    standard_value: Decimal
    billed_value: Decimal

    @property
    def write_down(self) -> Decimal:
        return self.standard_value - self.billed_value

    @property
    def ratio(self) -> Decimal | None:
        if not self.standard_value:
            return None
        return (self.billed_value / self.standard_value).quantize(Decimal("0.0001"))


def billed_on_term(state: BillingState, contract: str, term: str, through: date) -> Decimal:
    """Net of every issued line of the term on documents dated on or before `through`."""
    return sum(
        (
            line.net
            for document in state.ledger.documents.values()
            if document.contract == contract and document.issue_date <= through
            for line in document.lines
            if line.term == term
        ),
        Decimal(0),
    )


def standard_value(
    state: BillingState, contract: Contract, term_id: str, card: RateCard, through: date
) -> Decimal:
    """Billable hours of the term dated on or before `through` at the given rate card."""
    total = Decimal(0)
    for entry in state.time_entries.get(contract.id, {}).values():
        resource = state.resources.get(entry.resource)
        if entry.term != term_id or not entry.billable or entry.work_date > through or not resource:
            continue
        resolved = card.resolve(resource.id, resource.role, entry.work_date)
        if resolved is not None:
            total += round_to_currency(entry.hours * resolved.price, contract.currency)
    return total


def cost_to_date(state: BillingState, contract: Contract, term_id: str, through: date) -> Decimal:
    """Cost of the time on the term, converted to the contract currency on the work date."""
    fx = FxTable(state.firm.fx)
    total = Decimal(0)
    for entry in state.time_entries.get(contract.id, {}).values():
        resource = state.resources.get(entry.resource)
        if entry.term != term_id or entry.work_date > through or resource is None:
            continue
        cost = resource.cost_rate_on(entry.work_date)
        if cost is not None:
            rate = fx.rate(cost.currency, contract.currency, entry.work_date, contract.id)
            total += entry.hours * cost.rate * rate
    return total


def _billed_per_entry(
    state: BillingState, contract: str, term: str, through: date
) -> dict[str, Decimal]:
    """Exact value (hours x unit price) each entry stands at on documents dated on or
    before `through`: its share of time lines plus its correction lines."""
    billed: dict[str, Decimal] = {}
    for document in state.ledger.documents.values():
        if document.contract != contract or document.issue_date > through:
            continue
        for line in document.lines:
            if line.term != term:
                continue
            if line.kind is LineKind.TIME:
                for entry, hours in line.items:
                    billed[entry] = billed.get(entry, Decimal(0)) + hours * line.unit_price
            elif line.kind is LineKind.CORRECTION and line.entry:
                value = line.quantity * line.unit_price
                billed[line.entry] = billed.get(line.entry, Decimal(0)) + value
    return billed


def unbilled_value(
    state: BillingState, contract: Contract, term: TimeAndMaterialsTerm, through: date
) -> Decimal:
    """Value of billable work dated on or before `through` that documents dated on or
    before it do not bill yet (new work and pending corrections), rounded once."""
    card = RateCard(term)
    billed = _billed_per_entry(state, contract.id, term.id, through)
    total = Decimal(0)
    for entry in state.time_entries.get(contract.id, {}).values():
        resource = state.resources.get(entry.resource)
        if entry.term != term.id or resource is None:
            continue
        resolved = card.resolve(resource.id, resource.role, entry.work_date)
        if resolved is None:
            continue
        due = entry.billable and entry.work_date <= through
        total += (entry.hours * resolved.price if due else Decimal(0)) - billed.get(
            entry.id, Decimal(0)
        )
    return round_to_currency(total, contract.currency)


def held_on_term(state: BillingState, contract: str, term: str, through: date) -> Decimal:
    """Value the cap held back on documents dated on or before `through` (not released)."""
    return -sum(
        (
            line.net
            for document in state.ledger.documents.values()
            if document.contract == contract and document.issue_date <= through
            for line in document.lines
            if line.term == term and line.kind in (LineKind.CAP_HOLD, LineKind.CAP_RELEASE)
        ),
        Decimal(0),
    )


def _time_and_materials(
    state: BillingState, contract: Contract, term: TimeAndMaterialsTerm, through: date
) -> Decimal:
    """Billed so far plus the right to invoice what is not billed yet, within the cap
    in force on `through` (a later amendment never reaches back)."""
    billed = billed_on_term(state, contract.id, term.id, through)
    accrued = unbilled_value(state, contract, term, through)
    cap = state.cap_on(contract.id, term, through)
    if cap is None:
        return billed + accrued
    held = held_on_term(state, contract.id, term.id, through)
    room = max(Decimal(0), cap - term.billed_to_date - billed)
    return billed + min(accrued + held, room)


def recognized(state: BillingState, contract: Contract, term: Term, through: date) -> Decimal:
    """Cumulative revenue of a term recognized through `through`.

    Raises `BlockedByException` (`missing_fx_rate`) when cost-to-cost progress needs a
    conversion the firm's FX table cannot make; nothing is guessed.
    """
    if isinstance(term, TimeAndMaterialsTerm):
        return _time_and_materials(state, contract, term, through)
    if isinstance(term, FixedFeeTerm):
        if term.estimated_cost:
            progress = min(
                Decimal(1), cost_to_date(state, contract, term.id, through) / term.estimated_cost
            )
            return round_to_currency(term.fee * progress, contract.currency)
        return billed_on_term(state, contract.id, term.id, through)
    return Decimal(0)


def _active_periods(state: BillingState, contract: Contract, term: Term) -> set[Period]:
    periods = {
        Period.of(e.work_date)
        for e in state.time_entries.get(contract.id, {}).values()
        if e.term == term.id
    }
    periods |= {
        Period.of(d.issue_date)
        for d in state.ledger.documents.values()
        if d.contract == contract.id and any(ln.term == term.id for ln in d.lines)
    }
    return periods


@dataclass(frozen=True, slots=True)
class RevenueReport:
    """The schedule, and the terms it could not value with the exception that says why."""

    rows: tuple[RevenueRow, ...]
    exceptions: tuple[BusinessException, ...] = ()


def _term_rows(state: BillingState, contract: Contract, term: Term) -> list[RevenueRow]:
    rows = []
    for period in sorted(_active_periods(state, contract, term)):
        end = period.last_day
        rows.append(
            RevenueRow(
                contract.id,
                term.id,
                period,
                contract.currency,
                recognized(state, contract, term, end),
                billed_on_term(state, contract.id, term.id, end),
            )
        )
    return rows


def revenue_report(state: BillingState) -> RevenueReport:
    """One row per (contract, term, month with activity), cumulative as of each month
    end. A term that cannot be valued (a missing FX rate) has no rows and one exception;
    the other terms are still reported."""
    rows: list[RevenueRow] = []
    problems: dict[tuple[str, str], BusinessException] = {}
    for contract in state.contracts.values():
        for term in contract.terms:
            try:
                rows += _term_rows(state, contract, term)
            except BlockedByException as blocked:
                key = (blocked.exception.kind.value, blocked.exception.subject)
                problems.setdefault(key, blocked.exception)
    return RevenueReport(tuple(rows), tuple(problems.values()))


def revenue_schedule(state: BillingState) -> list[RevenueRow]:
    """The rows of `revenue_report` (terms that cannot be valued are left out)."""
    return list(revenue_report(state).rows)


def realization(
    state: BillingState,
    contract_id: str,
    term_id: str,
    through: date,
    standard_rates: TimeAndMaterialsTerm | None = None,
) -> Realization:
    """Standard value against billed value of a term.

    A T&M term is valued at its own rate card; a fixed-fee term needs `standard_rates`
    (the firm's standard card) to value the hours spent on it.
    """
    contract = state.contracts[contract_id]
    term = contract.term(term_id)
    card_term = term if isinstance(term, TimeAndMaterialsTerm) else standard_rates
    if card_term is None:
        raise ValueError(
            f"{contract_id}/{term_id} has no rate card of its own: pass standard_rates"
        )
    standard = standard_value(state, contract, term_id, RateCard(card_term), through)
    return Realization(standard, billed_on_term(state, contract_id, term_id, through))
