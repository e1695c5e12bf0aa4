"""Time lines and corrections of invoiced time for one contract in one invoice run.

New billable entries become time lines grouped by (term, role, unit price). An invoiced
entry whose hours, billable flag, date or resolved rate changed becomes `correction`
lines: a reduction for the credit note, an increase for the next invoice. Changes to an
entry dated in a closed period wait for finance's approval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from accord.domain.billing.documents import DraftLine, LineKind, line_net
from accord.domain.billing.intercompany import EntryCharge, intercompany_basis
from accord.domain.billing.ledger import BilledEntry, IntercompanyBasis
from accord.domain.billing.state import BillingState
from accord.domain.contracts.model import Contract, Resource, TimeAndMaterialsTerm
from accord.domain.contracts.rates import RateCard, RateKey, ResolvedRate
from accord.domain.delivery.model import TimeEntry
from accord.domain.exceptions import BusinessException, ExceptionAction, ExceptionKind

PENDING_INVOICE = ""
"""Placeholder in a new `BilledEntry` until the invoice number is assigned."""


@dataclass(slots=True)
class TimeOutcome:
    invoice_lines: list[DraftLine] = field(default_factory=list)
    credit_lines: list[DraftLine] = field(default_factory=list)
    billed: dict[str, BilledEntry] = field(default_factory=dict)
    charges: list[EntryCharge] = field(default_factory=list)
    exceptions: list[BusinessException] = field(default_factory=list)
    consumed: list[tuple[ExceptionKind, str]] = field(default_factory=list)
    declined: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    used_rates: set[tuple[str, str, RateKey]] = field(default_factory=set)


@dataclass(slots=True)
class _Group:
    """The entries of one time line: same term, role and unit price."""

    term: str
    items: list[tuple[str, Decimal]] = field(default_factory=list)


_Groups = dict[tuple[int, str, Decimal], _Group]


@dataclass(frozen=True, slots=True)
class _Pricing:
    """What a run prices one contract's time against: its rate cards and term order."""

    state: BillingState
    contract: Contract
    through: date
    cards: dict[str, RateCard]
    order: dict[str, int]

    @classmethod
    def of(cls, state: BillingState, contract: Contract, through: date) -> _Pricing:
        terms = contract.terms
        cards = {t.id: RateCard(t) for t in terms if isinstance(t, TimeAndMaterialsTerm)}
        return cls(state, contract, through, cards, {t.id: i for i, t in enumerate(terms)})

    def draft(self, entry: TimeEntry, outcome: TimeOutcome, groups: _Groups) -> None:
        """What `entry` contributes: a new time line's share, or a correction."""
        state, contract = self.state, self.contract
        card = self.cards.get(entry.term)
        resource = state.resources.get(entry.resource)
        if card is None or resource is None:
            return
        previous = state.ledger.entries.get(entry.id)
        if previous is None:
            if entry.billable and entry.work_date <= self.through:
                _bill_new(state, contract, entry, resource, card, outcome, groups, self.order)
        else:
            _correct(state, contract, entry, resource, card, previous, outcome)


def draft_time(state: BillingState, contract: Contract, through: date) -> TimeOutcome:
    """Everything time contributes to this contract's documents in a run through `through`."""
    pricing = _Pricing.of(state, contract, through)
    outcome = TimeOutcome()
    groups: _Groups = {}
    for entry in state.time_entries.get(contract.id, {}).values():
        pricing.draft(entry, outcome, groups)
    for (_, role, price), group in sorted(groups.items()):
        hours = sum((h for _, h in group.items), Decimal(0))
        outcome.invoice_lines.append(
            DraftLine(
                LineKind.TIME,
                group.term,
                role,
                hours,
                price,
                line_net(hours, price, contract.currency),
                items=tuple(sorted(group.items)),
            )
        )
    return outcome


def quiet_entries(state: BillingState, contract: Contract, through: date) -> frozenset[str]:
    """The contract's time entries a run through `through` leaves alone: each adds no
    line, correction, exception, charge or used rate version of its own (see
    `domain.billing.settled`)."""
    pricing = _Pricing.of(state, contract, through)
    quiet = set()
    for entry in state.time_entries.get(contract.id, {}).values():
        outcome = TimeOutcome()
        groups: _Groups = {}
        pricing.draft(entry, outcome, groups)
        if not groups and outcome == TimeOutcome():
            quiet.add(entry.id)
    return frozenset(quiet)


def _problem(kind: ExceptionKind, subject: str, message: str) -> BusinessException:
    return BusinessException(kind, subject, message)


def _rate(
    contract: Contract, entry: TimeEntry, resource: Resource, card: RateCard, outcome: TimeOutcome
) -> ResolvedRate | None:
    resolved = card.resolve(resource.id, resource.role, entry.work_date)
    if resolved is None:
        outcome.exceptions.append(
            _problem(
                ExceptionKind.INVALID_EVENT,
                entry.id,
                f"no rate for role {resource.role} on {entry.work_date} in "
                f"{contract.id}/{entry.term}: amend the rate card, then rerun",
            )
        )
    return resolved


def _bill_new(
    state: BillingState,
    contract: Contract,
    entry: TimeEntry,
    resource: Resource,
    card: RateCard,
    outcome: TimeOutcome,
    groups: _Groups,
    order: dict[str, int],
) -> None:
    if resource.employer_on(entry.work_date) is None:
        outcome.exceptions.append(
            _problem(
                ExceptionKind.RESOURCE_NOT_EMPLOYED,
                entry.id,
                f"{resource.id} has no employing entity on {entry.work_date}: "
                f"fix the employment history in HR, then rerun",
            )
        )
        return
    resolved = _rate(contract, entry, resource, card, outcome)
    if resolved is None:
        return
    key = (order[entry.term], resource.role, resolved.price)
    groups.setdefault(key, _Group(entry.term)).items.append((entry.id, entry.hours))
    basis = _basis(state, contract, entry, resource, entry.hours, outcome)
    outcome.billed[entry.id] = BilledEntry(
        entry.id,
        contract.id,
        entry.term,
        entry.version,
        entry.hours,
        resolved.price,
        resolved.key,
        entry.work_date,
        PENDING_INVOICE,
        basis,
    )
    outcome.used_rates.add((contract.id, entry.term, resolved.key))
    if basis is not None:
        outcome.charges.append(EntryCharge(resource.id, None, basis))


def _basis(
    state: BillingState,
    contract: Contract,
    entry: TimeEntry,
    resource: Resource,
    hours: Decimal,
    outcome: TimeOutcome,
) -> IntercompanyBasis | None:
    basis, problem = intercompany_basis(contract, resource, entry.work_date, hours)
    if problem is not None:
        outcome.exceptions.append(problem)
    return basis


def _correct(
    state: BillingState,
    contract: Contract,
    entry: TimeEntry,
    resource: Resource,
    card: RateCard,
    previous: BilledEntry,
    outcome: TimeOutcome,
) -> None:
    hours = entry.hours if entry.billable else Decimal(0)
    resolved: ResolvedRate | None = None
    if hours:
        resolved = _rate(contract, entry, resource, card, outcome)
        if resolved is None:
            return
    price = resolved.price if resolved else previous.unit_price
    key = resolved.key if resolved else previous.rate_key
    changed = hours != previous.hours or price != previous.unit_price
    if changed and not _may_change(state, contract, entry, previous, price, outcome):
        return
    corrected = BilledEntry(
        entry.id,
        contract.id,
        entry.term,
        entry.version,
        hours,
        price,
        key,
        entry.work_date,
        previous.invoice,
        previous.intercompany,
    )
    if changed:
        _correction_lines(contract, entry, previous, hours, price, outcome)
        outcome.used_rates.add((contract.id, entry.term, key))
    basis = _basis(state, contract, entry, resource, hours, outcome) if hours else None
    if basis != previous.intercompany:
        outcome.charges.append(EntryCharge(resource.id, previous.intercompany, basis))
        corrected = BilledEntry(
            corrected.entry,
            corrected.contract,
            corrected.term,
            corrected.version,
            corrected.hours,
            corrected.unit_price,
            corrected.rate_key,
            corrected.work_date,
            corrected.invoice,
            basis,
        )
    if corrected != previous:
        outcome.billed[entry.id] = corrected


def _may_change(
    state: BillingState,
    contract: Contract,
    entry: TimeEntry,
    previous: BilledEntry,
    price: Decimal,
    outcome: TimeOutcome,
) -> bool:
    """Whether a change to invoiced time may be billed now (closed periods, decisions)."""
    if state.ledger.declined.get(entry.id) == (entry.version, price):
        return False
    closed = state.is_closed(contract.entity, previous.work_date) or state.is_closed(
        contract.entity, entry.work_date
    )
    if not closed:
        return True
    decision_key = (ExceptionKind.CLOSED_PERIOD_CHANGE, entry.id)
    decision = state.ledger.decisions.get(decision_key)
    if decision is None:
        outcome.exceptions.append(
            _problem(
                ExceptionKind.CLOSED_PERIOD_CHANGE,
                entry.id,
                f"time entry {entry.id} changed after invoicing and its work date lies in a "
                f"closed period of {contract.entity}: approve to bill the correction in the "
                f"open period, or reject to keep the invoiced figures",
            )
        )
        return False
    outcome.consumed.append(decision_key)
    if decision is ExceptionAction.REJECT:
        outcome.declined[entry.id] = (entry.version, price)
        return False
    return decision is ExceptionAction.APPROVE


def _correction_lines(
    contract: Contract,
    entry: TimeEntry,
    previous: BilledEntry,
    hours: Decimal,
    price: Decimal,
    outcome: TimeOutcome,
) -> None:
    """Price difference on the invoiced hours, then the change in hours at the new price."""
    pieces: list[tuple[Decimal, Decimal]] = []
    if hours == 0:
        pieces.append((-previous.hours, previous.unit_price))
    else:
        if price != previous.unit_price and previous.hours:
            pieces.append((previous.hours, price - previous.unit_price))
        if hours != previous.hours:
            pieces.append((hours - previous.hours, price))
    for quantity, unit_price in pieces:
        if unit_price < 0:
            quantity, unit_price = -quantity, -unit_price
        if quantity == 0:
            continue
        line = DraftLine(
            LineKind.CORRECTION,
            entry.term,
            f"correction {entry.id}",
            quantity,
            unit_price,
            line_net(quantity, unit_price, contract.currency),
            entry.id,
            previous.invoice,
        )
        (outcome.credit_lines if quantity < 0 else outcome.invoice_lines).append(line)
