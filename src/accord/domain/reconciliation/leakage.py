"""Revenue leakage: value the firm earned but has not invoiced, read from the hub's state.

Three sources, each with amounts in the contract currency and totals by currency:
- approved billable time on T&M terms not invoiced `unbilled_after_days` after its work
  date, valued at the rate on the work date (hours x rate, rounded per entry); time on
  fixed-fee and retainer terms is effort, never billed by the hour, so never leakage;
- write-downs by cap: value a not-to-exceed cap holds back (reported, not lost: an
  amendment raising the cap releases it);
- accepted milestones not yet billed (on billing hold or waiting for a run).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from accord.domain.billing.state import BillingState
from accord.domain.contracts.model import (
    Contract,
    FixedFeeTerm,
    TimeAndMaterialsTerm,
    milestone_amounts,
)
from accord.domain.contracts.rates import RateCard
from accord.domain.delivery.model import TimeEntry
from accord.domain.money import round_to_currency
from accord.domain.reconciliation.unbilled import bills_by_the_hour, reported_unbilled


class LeakageSource(StrEnum):
    UNBILLED_TIME = "unbilled_time"
    CAP_WRITE_DOWN = "cap_write_down"
    UNBILLED_MILESTONE = "unbilled_milestone"


@dataclass(frozen=True, slots=True)
class LeakageItem:
    """One item of leakage; `key` is the time entry, `contract/term` or milestone key."""

    source: LeakageSource
    contract: str
    key: str
    amount: Decimal | None
    currency: str
    age_days: int | None = None
    hours: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source.value,
            "contract": self.contract,
            "key": self.key,
            "amount": None if self.amount is None else str(self.amount),
            "currency": self.currency,
            "age_days": self.age_days,
            "hours": None if self.hours is None else str(self.hours),
        }


@dataclass(frozen=True, slots=True)
class LeakageReport:
    as_of: date
    unbilled_after_days: int
    items: tuple[LeakageItem, ...]

    def totals(self) -> dict[LeakageSource, dict[str, Decimal]]:
        """Amount per source and currency (items the hub cannot value count as zero)."""
        totals: dict[LeakageSource, dict[str, Decimal]] = {}
        for item in self.items:
            by_currency = totals.setdefault(item.source, {})
            by_currency[item.currency] = by_currency.get(item.currency, Decimal(0)) + (
                item.amount or Decimal(0)
            )
        return totals

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "unbilled_after_days": self.unbilled_after_days,
            "items": [item.to_dict() for item in self.items],
            "totals": {
                source.value: {c: str(v) for c, v in sorted(by_currency.items())}
                for source, by_currency in self.totals().items()
            },
        }


def reported_unbilled_time(discrepancies: Iterable[Mapping[str, Any]]) -> list[LeakageItem]:
    """The `unbilled_time` discrepancies of a stored reconciliation report (the
    `Discrepancy.to_dict` form) as leakage items; their contract is not recorded there."""
    return [
        LeakageItem(
            LeakageSource.UNBILLED_TIME,
            "",
            str(found["keys"][0]),
            None if found.get("amount_at_risk") is None else Decimal(found["amount_at_risk"]),
            str(found.get("currency") or ""),
            found.get("age_days"),
        )
        for found in discrepancies
        if found.get("kind") == LeakageSource.UNBILLED_TIME.value
    ]


def standard_value(state: BillingState, contract: Contract, entry: TimeEntry) -> Decimal | None:
    """Hours at the rate effective on the work date; None when no rate applies."""
    resource = state.resources.get(entry.resource)
    term = next((t for t in contract.terms if t.id == entry.term), None)
    if resource is None or not isinstance(term, TimeAndMaterialsTerm):
        return None
    rate = RateCard(term).resolve(resource.id, resource.role, entry.work_date)
    if rate is None:
        return None
    return round_to_currency(entry.hours * rate.price, contract.currency)


def _unbilled_time(state: BillingState, as_of: date, after_days: int) -> Iterator[LeakageItem]:
    billed = state.ledger.entries
    for contract_id, entries in state.time_entries.items():
        contract = state.contracts.get(contract_id)
        if contract is None:
            continue
        for entry in entries.values():
            if entry.id in billed or not bills_by_the_hour(contract, entry.term, entry.billable):
                continue
            if not reported_unbilled(entry.work_date, as_of, after_days):
                continue
            yield LeakageItem(
                LeakageSource.UNBILLED_TIME,
                contract_id,
                entry.id,
                standard_value(state, contract, entry),
                contract.currency,
                (as_of - entry.work_date).days,
                entry.hours,
            )


def _cap_write_downs(state: BillingState) -> Iterator[LeakageItem]:
    for (contract_id, term_id), held in state.ledger.held.items():
        contract = state.contracts.get(contract_id)
        if contract is None or held <= 0:
            continue
        yield LeakageItem(
            LeakageSource.CAP_WRITE_DOWN,
            contract_id,
            f"{contract_id}/{term_id}",
            held,
            contract.currency,
        )


def _unbilled_milestones(state: BillingState) -> Iterator[LeakageItem]:
    for (contract_id, term_id, milestone), milestone_state in state.milestones.items():
        contract = state.contracts.get(contract_id)
        if contract is None or not milestone_state.accepted:
            continue
        if (contract_id, term_id, milestone) in state.ledger.milestones:
            continue
        term = next((t for t in contract.terms if t.id == term_id), None)
        amount = None
        if isinstance(term, FixedFeeTerm) and term.milestones:
            amount = milestone_amounts(term, contract.currency).get(milestone)
        yield LeakageItem(
            LeakageSource.UNBILLED_MILESTONE,
            contract_id,
            f"{contract_id}/{term_id}/{milestone}",
            amount,
            contract.currency,
        )


def revenue_leakage(
    state: BillingState,
    as_of: date,
    unbilled_after_days: int,
    reported: Iterable[LeakageItem] = (),
) -> LeakageReport:
    """The leakage report of the hub's billing state as of a date (see the module docs).

    `reported` is unbilled time only reconciliation knows (approved in the PSA, absent
    from the hub): it is leakage too, unless the hub's state already lists the entry."""
    own = contract_leakage(state, as_of, unbilled_after_days)
    return leakage_report(as_of, unbilled_after_days, own, reported, state.ledger.entries)


def contract_leakage(
    state: BillingState, as_of: date, unbilled_after_days: int
) -> list[LeakageItem]:
    """The leakage of the contracts `state` holds: their overdue unbilled time, cap
    write-downs and accepted milestones not billed. Each item is one contract's, so a
    report over every contract may gather them a chunk of contracts at a time."""
    return [
        *_unbilled_time(state, as_of, unbilled_after_days),
        *_cap_write_downs(state),
        *_unbilled_milestones(state),
    ]


def leakage_report(
    as_of: date,
    unbilled_after_days: int,
    own: Iterable[LeakageItem],
    reported: Iterable[LeakageItem],
    billed: Iterable[str],
) -> LeakageReport:
    """The report of the contracts' own leakage and the time reconciliation `reported`
    that the hub neither lists as leakage already nor `billed` (entry ids)."""
    items = list(own)
    known = {item.key for item in items} | set(billed)
    items += [item for item in reported if item.key not in known]
    items.sort(key=lambda i: (i.source.value, i.contract, i.key))
    return LeakageReport(as_of, unbilled_after_days, tuple(items))
