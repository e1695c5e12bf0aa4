"""The billing engine's input state and the functions that record business events in it.

`BillingState` holds master data (firm, customers, resources, contracts), billable items
and the `BillingLedger`. Each function returns a new state; nothing is mutated in place,
so the hub can build the state from its store, apply an event and persist the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from accord.domain.billing.errors import UnknownReference
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
    cap_changes: dict[tuple[str, str], tuple[tuple[date, Decimal | None], ...]] = field(
        default_factory=dict
    )
    """(contract, term) -> (effective date, cap before it) of each dated cap amendment."""
    stale_deliveries: dict[str, str] = field(default_factory=dict)
    """Entry id -> source token of the latest delivery ignored because it was older than
    the entry billing holds (recorded, never applied)."""

    def find_entry(self, entry_id: str) -> TimeEntry | None:
        for entries in self.time_entries.values():
            if entry_id in entries:
                return entries[entry_id]
        return None

    def cap_on(self, contract: str, term: TimeAndMaterialsTerm, day: date) -> Decimal | None:
        """The cap in force on `day`: the one an amendment effective after `day`
        replaced, else the term's current cap."""
        for effective, before in self.cap_changes.get((contract, term.id), ()):
            if day < effective:
                return before
        return term.cap

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
    different payload under a known id is a correction (its version moves on); a
    delivery older than the entry held (by the source's token) is recorded in
    `stale_deliveries` and not applied, so a late redelivery never reverts a correction.

    An entry redelivered under another contract (moved to another project) moves there
    if it was never invoiced, so it is billed on one contract only; an invoiced one may
    not move (ValueError): it would be billed on both. An id new to its contract is
    looked for in every other contract's entries.
    """
    by_contract = dict(state.time_entries)
    stale = state.stale_deliveries
    copied: set[str] = set()

    def bucket_of(contract: str) -> dict[str, TimeEntry]:
        if contract not in copied:
            by_contract[contract] = dict(by_contract.get(contract, {}))
            copied.add(contract)
        return by_contract[contract]

    for entry in entries:
        bucket = bucket_of(entry.contract)
        current = bucket.get(entry.id)
        elsewhere = _held_elsewhere(by_contract, entry) if current is None else None
        if elsewhere is not None:
            current = by_contract[elsewhere][entry.id]
        if current is not None and entry.is_older_than(current):
            stale = {**stale, entry.id: entry.source_version}
            continue
        if elsewhere is not None:
            _refuse_move_of_invoiced(state, entry)
            bucket_of(elsewhere).pop(entry.id)
        elif current is not None and current.same_content(entry):
            if current.is_older_than(entry):
                bucket[entry.id] = replace(current, source_version=entry.source_version)
            continue
        if current is not None:
            entry = replace(entry, version=current.version + 1)
        bucket[entry.id] = entry
    return replace(state, time_entries=by_contract, stale_deliveries=stale)


def _held_elsewhere(
    by_contract: Mapping[str, Mapping[str, TimeEntry]], entry: TimeEntry
) -> str | None:
    """The other contract that holds an entry redelivered under `entry.contract`."""
    for contract, entries in by_contract.items():
        if contract != entry.contract and entry.id in entries:
            return contract
    return None


def _refuse_move_of_invoiced(state: BillingState, entry: TimeEntry) -> None:
    """An invoiced entry may not move to another contract: it would be billed on both."""
    billed = state.ledger.entries.get(entry.id)
    if billed is not None and billed.contract != entry.contract:
        raise ValueError(
            f"time entry {entry.id} was invoiced on {billed.contract} ({billed.invoice}) and "
            f"cannot move to {entry.contract}: credit it on {billed.contract} first"
        )


def correct_time(
    state: BillingState,
    entry_id: str,
    hours: Decimal | None = None,
    billable: bool | None = None,
    work_date: date | None = None,
) -> BillingState:
    """Change an approved entry, invoiced or not; the next run bills the difference.

    Raises `UnknownReference` when no entry with that id was ever approved."""
    current = state.find_entry(entry_id)
    if current is None:
        raise UnknownReference(
            entry_id,
            f"time entry {entry_id} was never approved, so there is nothing to correct: "
            f"approve it first (or check the id)",
        )
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
    """Record approved expenses. A re-approval (new amount, made non-billable) replaces
    the expense and the next run bills the difference from what was invoiced; a
    delivery older than the one held is recorded in `stale_deliveries`, not applied."""
    by_contract = dict(state.expenses)
    stale = state.stale_deliveries
    for expense in expenses:
        bucket = dict(by_contract.get(expense.contract, {}))
        current = bucket.get(expense.id)
        if current is not None and expense.is_older_than(current):
            stale = {**stale, expense.id: expense.source_version}
            continue
        bucket[expense.id] = expense
        by_contract[expense.contract] = bucket
    return replace(state, expenses=by_contract, stale_deliveries=stale)


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
    effective: date | None = None,
) -> BillingState:
    """Add rate versions or set a new cap on a T&M term.

    A new cap `effective` on a date applies from that date on: revenue of earlier months
    keeps the cap in force then. Without a date it applies to every month.
    Raises `UsedRateVersionChange` when a version that priced an issued line would change.
    """
    contract = state.contracts[contract_id]
    term = contract.term(term_id)
    if not isinstance(term, TimeAndMaterialsTerm):
        raise ValueError(f"{contract_id}/{term_id} is not a time-and-materials term")
    used = state.ledger.used_rate_keys(contract_id, term_id)
    amended = contract.with_term(amend_rates(term, rates, person_rates, cap, used))
    changes = state.cap_changes
    if cap is not None and cap != term.cap:
        key = (contract_id, term_id)
        earlier = changes.get(key, ()) if effective else ()
        kept = tuple(c for c in earlier if effective is None or c[0] < effective)
        dated = ((effective, term.cap),) if effective else ()
        changes = {**changes, key: kept + dated}
    return replace(state, contracts={**state.contracts, contract_id: amended}, cap_changes=changes)


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
    """No change dated in `period` is billed for `entity` without a finance decision."""
    closed = state.closed_periods.get(entity, frozenset()) | {period}
    return replace(state, closed_periods={**state.closed_periods, entity: closed})


def reopen_period(state: BillingState, entity: str, period: Period) -> BillingState:
    """Changes dated in `period` are billed again like any other (finance reopened it)."""
    closed = state.closed_periods.get(entity, frozenset()) - {period}
    return replace(state, closed_periods={**state.closed_periods, entity: closed})


def decide_exception(
    state: BillingState, kind: ExceptionKind, subject: str, action: ExceptionAction
) -> BillingState:
    """Record a person's decision (approve / reject) for the next invoice run to apply."""
    decisions = {**state.ledger.decisions, (kind, subject): action}
    return replace(state, ledger=replace(state.ledger, decisions=decisions))
