"""The billing engine's input state and the functions that record business events in it.

`BillingState` holds master data (firm, customers, resources, contracts), billable items
and the `BillingLedger`. Each function returns a new state; nothing is mutated in place,
so the hub can build the state from its store, apply an event and persist the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from accord.domain.billing.ledger import BillingLedger
from accord.domain.calendar import Period
from accord.domain.contracts.model import (
    Contract,
    Customer,
    Employment,
    Firm,
    PersonRate,
    RateVersion,
    Resource,
    TimeAndMaterialsTerm,
)
from accord.domain.contracts.rates import amend_rates
from accord.domain.delivery.model import Expense, MilestoneState, TimeEntry
from accord.domain.exceptions import ExceptionAction, ExceptionKind

MilestoneKey = tuple[str, str, str]
"""(contract, term, milestone)."""


@dataclass(frozen=True, slots=True)
class BillingState:
    firm: Firm
    customers: dict[str, Customer]
    resources: dict[str, Resource]
    contracts: dict[str, Contract]
    """In file (onboarding) order: invoice runs process contracts in this order."""
    time_entries: dict[str, dict[str, TimeEntry]] = field(default_factory=dict)
    """Contract id -> entry id -> current version of the entry."""
    expenses: dict[str, dict[str, Expense]] = field(default_factory=dict)
    milestones: dict[MilestoneKey, MilestoneState] = field(default_factory=dict)
    signed: dict[str, date] = field(default_factory=dict)
    withdrawn: dict[str, date] = field(default_factory=dict)
    closed_periods: dict[str, frozenset[Period]] = field(default_factory=dict)
    ledger: BillingLedger = field(default_factory=BillingLedger)

    def find_entry(self, entry_id: str) -> TimeEntry | None:
        for entries in self.time_entries.values():
            if entry_id in entries:
                return entries[entry_id]
        return None

    def is_closed(self, entity: str, day: date) -> bool:
        return Period.of(day) in self.closed_periods.get(entity, frozenset())

    def first_open_day(self, entity: str, day: date) -> date:
        """`day` itself, or the first day of the first open period after it."""
        period = Period.of(day)
        if period not in self.closed_periods.get(entity, frozenset()):
            return day
        while period in self.closed_periods.get(entity, frozenset()):
            period = period.next()
        return period.first_day


def new_state(
    firm: Firm,
    customers: Iterable[Customer],
    resources: Iterable[Resource],
    contracts: Iterable[Contract],
) -> BillingState:
    """A state with master data only: no items, nothing issued."""
    return BillingState(
        firm,
        {c.id: c for c in customers},
        {r.id: r for r in resources},
        {c.id: c for c in contracts},
    )


def approve_time(state: BillingState, entries: Iterable[TimeEntry]) -> BillingState:
    """Record approved time entries. A redelivered identical entry changes nothing; a
    different payload under a known id is a correction (its version moves on).

    An entry redelivered under another contract (moved to another project) moves there
    if it was never invoiced, so it is billed on one contract only; an invoiced one may
    not move (ValueError): it would be billed on both. The ledger knows which contract
    billed an entry, so a move costs no scan of every contract.
    """
    by_contract = dict(state.time_entries)
    copied: set[str] = set()

    def bucket_of(contract: str) -> dict[str, TimeEntry]:
        if contract not in copied:
            by_contract[contract] = dict(by_contract.get(contract, {}))
            copied.add(contract)
        return by_contract[contract]

    for entry in entries:
        bucket = bucket_of(entry.contract)
        current = bucket.get(entry.id)
        moved = current is None and (current := _moved(state, entry, bucket_of)) is not None
        if current is not None and current.same_content(entry) and not moved:
            continue
        if current is not None:
            entry = replace(entry, version=current.version + 1)
        bucket[entry.id] = entry
    return replace(state, time_entries=by_contract)


def _moved(
    state: BillingState, entry: TimeEntry, bucket_of: Callable[[str], dict[str, TimeEntry]]
) -> TimeEntry | None:
    """The entry as known under another contract, taken out of it; None if unknown."""
    billed = state.ledger.entries.get(entry.id)
    if billed is not None and billed.contract != entry.contract:
        raise ValueError(
            f"time entry {entry.id} was invoiced on {billed.contract} ({billed.invoice}) and "
            f"cannot move to {entry.contract}: credit it on {billed.contract} first"
        )
    for contract, entries in state.time_entries.items():
        if contract != entry.contract and entry.id in entries:
            return bucket_of(contract).pop(entry.id)
    return None


def correct_time(
    state: BillingState,
    entry_id: str,
    hours: Decimal | None = None,
    billable: bool | None = None,
    work_date: date | None = None,
) -> BillingState:
    """Change an approved entry, invoiced or not; the next run bills the difference."""
    current = state.find_entry(entry_id)
    if current is None:
        raise KeyError(f"no approved time entry {entry_id!r} to correct")
    corrected = replace(
        current,
        hours=current.hours if hours is None else hours,
        billable=current.billable if billable is None else billable,
        work_date=current.work_date if work_date is None else work_date,
    )
    if corrected.same_content(current):
        return state
    return approve_time(state, [corrected])


def approve_expenses(state: BillingState, expenses: Iterable[Expense]) -> BillingState:
    by_contract = dict(state.expenses)
    for expense in expenses:
        bucket = dict(by_contract.get(expense.contract, {}))
        bucket[expense.id] = expense
        by_contract[expense.contract] = bucket
    return replace(state, expenses=by_contract)


def set_milestone(
    state: BillingState,
    key: MilestoneKey,
    accepted: bool | None = None,
    on_hold: bool | None = None,
) -> BillingState:
    """Record acceptance or a billing hold (on or off) on a milestone."""
    contract = state.contracts[key[0]]
    term = contract.term(key[1])
    if not any(getattr(m, "id", None) == key[2] for m in getattr(term, "milestones", ())):
        raise KeyError(f"term {key[0]}/{key[1]} has no milestone {key[2]!r}")
    current = state.milestones.get(key, MilestoneState())
    updated = MilestoneState(
        current.accepted if accepted is None else accepted,
        current.on_hold if on_hold is None else on_hold,
    )
    return replace(state, milestones={**state.milestones, key: updated})


def amend_contract(
    state: BillingState,
    contract_id: str,
    term_id: str,
    rates: Iterable[RateVersion] = (),
    person_rates: Iterable[PersonRate] = (),
    cap: Decimal | None = None,
) -> BillingState:
    """Add rate versions or set a new cap on a T&M term.

    Raises `UsedRateVersionChange` when a version that priced an issued line would change.
    """
    contract = state.contracts[contract_id]
    term = contract.term(term_id)
    if not isinstance(term, TimeAndMaterialsTerm):
        raise ValueError(f"{contract_id}/{term_id} is not a time-and-materials term")
    used = state.ledger.used_rate_keys(contract_id, term_id)
    amended = contract.with_term(amend_rates(term, rates, person_rates, cap, used))
    return replace(state, contracts={**state.contracts, contract_id: amended})


def transfer_resource(
    state: BillingState, resource_id: str, entity: str, valid_from: date
) -> BillingState:
    """A new employing entity from `valid_from`; may be retroactive. Records from that
    date on are replaced, so the history stays free of overlaps."""
    resource = state.resources[resource_id]
    kept = tuple(e for e in resource.employment if e.valid_from < valid_from)
    moved = replace(resource, employment=(*kept, Employment(entity, valid_from)))
    return replace(state, resources={**state.resources, resource_id: moved})


def close_period(state: BillingState, entity: str, period: Period) -> BillingState:
    closed = state.closed_periods.get(entity, frozenset()) | {period}
    return replace(state, closed_periods={**state.closed_periods, entity: closed})


def decide_exception(
    state: BillingState, kind: ExceptionKind, subject: str, action: ExceptionAction
) -> BillingState:
    """Record a person's decision (approve / reject) for the next invoice run to apply."""
    decisions = {**state.ledger.decisions, (kind, subject): action}
    return replace(state, ledger=replace(state.ledger, decisions=decisions))
