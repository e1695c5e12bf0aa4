"""Ledger journals: what revenue recognition and intercompany charges book in each entity.

Three kinds of entry, each balanced (debits equal credits) in one entity and currency:

- `revenue`, per contract and month in the revenue report, in the contracting entity and
  the contract currency: revenue is credited by what was recognised in the month, the
  billings account (which the invoice posting credits) debited by what was invoiced in
  it, and the difference moves the contract position: a contract asset (an unbilled
  receivable on time and materials, whose right to invoice is unconditional) or a
  contract liability (deferred revenue). Over any run of months the revenue lines add up
  to the revenue report's cumulative revenue, and the asset and liability balances to
  its contract asset and liability.
- `intercompany_revenue` in the entity that employs the resource: intercompany
  receivable against intercompany revenue.
- `intercompany_cost` in the contracting entity: intercompany cost against intercompany
  payable. Both sides of a charge are in the charge's currency, so they mirror.

An entry is dated the last day of its month, but never in a closed period: an entry
whose month the entity has closed is dated on the first day of its next open month (as
invoices are); its id keeps the month
it belongs to, `{entity}/{period}/{kind}/{contract}/{currency}`, so rebuilding the
journals yields the same ids and posting them again changes nothing.

Dimensions are what master data holds: `entity`, `contract`, `term` (revenue),
`counterparty` and `resource` (intercompany), plus whatever the caller knows about the
contract (project, cost centre, practice, region). A value Accord does not hold is left
out, never invented.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from accord.domain.billing.ledger import IntercompanyCharge
from accord.domain.billing.state import BillingState
from accord.domain.calendar import Period
from accord.domain.contracts.model import TimeAndMaterialsTerm
from accord.domain.revenue.recognition import RevenueRow


class AccountRole(StrEnum):
    """The accounts a firm maps to its chart of accounts."""

    REVENUE = "revenue"
    BILLINGS = "billings"
    CONTRACT_ASSET = "contract_asset"
    UNBILLED_RECEIVABLE = "unbilled_receivable"
    CONTRACT_LIABILITY = "contract_liability"
    INTERCOMPANY_RECEIVABLE = "intercompany_receivable"
    INTERCOMPANY_PAYABLE = "intercompany_payable"
    INTERCOMPANY_REVENUE = "intercompany_revenue"
    INTERCOMPANY_COST = "intercompany_cost"


DEFAULT_ACCOUNTS: Mapping[AccountRole, str] = {
    AccountRole.UNBILLED_RECEIVABLE: "1210",
    AccountRole.CONTRACT_ASSET: "1220",
    AccountRole.INTERCOMPANY_RECEIVABLE: "1300",
    AccountRole.CONTRACT_LIABILITY: "2400",
    AccountRole.INTERCOMPANY_PAYABLE: "2300",
    AccountRole.REVENUE: "4000",
    AccountRole.BILLINGS: "4090",
    AccountRole.INTERCOMPANY_REVENUE: "4800",
    AccountRole.INTERCOMPANY_COST: "5800",
}
"""Account codes used when the firm maps none (a common services chart layout)."""


class EntryKind(StrEnum):
    REVENUE = "revenue"
    INTERCOMPANY_REVENUE = "intercompany_revenue"
    INTERCOMPANY_COST = "intercompany_cost"


@dataclass(frozen=True, slots=True)
class JournalLine:
    """A debit or credit (never both, never negative) on the account of one role."""

    role: AccountRole
    debit: Decimal
    credit: Decimal
    dimensions: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A balanced entry in one entity and currency; `period` is the month it belongs to,
    `posting_date` the day it is booked (in an open month)."""

    id: str
    kind: EntryKind
    entity: str
    period: Period
    posting_date: date
    contract: str
    currency: str
    lines: tuple[JournalLine, ...]

    @property
    def debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal(0))

    @property
    def credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), Decimal(0))


Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class _Draft:
    """Lines being gathered for one entry, netted per account role and dimensions;
    an amount > 0 debits, < 0 credits, and a line that nets to zero is left out."""

    amounts: dict[tuple[AccountRole, Dimensions], Decimal] = field(default_factory=dict)

    def add(self, role: AccountRole, amount: Decimal, dimensions: Mapping[str, str]) -> None:
        key = (role, tuple(dimensions.items()))
        self.amounts[key] = self.amounts.get(key, Decimal(0)) + amount

    def finished(self) -> tuple[JournalLine, ...]:
        return tuple(
            JournalLine(role, max(amount, Decimal(0)), max(-amount, Decimal(0)), dict(dims))
            for (role, dims), amount in self.amounts.items()
            if amount
        )


def entry_id(entity: str, period: Period, kind: EntryKind, contract: str, currency: str) -> str:
    return f"{entity}/{period}/{kind.value}/{contract}/{currency}"


def _asset_role(state: BillingState, contract: str, term: str) -> AccountRole:
    found = state.contracts.get(contract)
    terms = {t.id: t for t in found.terms} if found else {}
    if isinstance(terms.get(term), TimeAndMaterialsTerm):
        return AccountRole.UNBILLED_RECEIVABLE
    return AccountRole.CONTRACT_ASSET


def _revenue_drafts(
    state: BillingState, rows: Iterable[RevenueRow], extra: Mapping[str, Mapping[str, str]]
) -> dict[tuple[str, str, Period, str], _Draft]:
    """Per (entity, contract, period, currency): the month's movements of each term."""
    drafts: dict[tuple[str, str, Period, str], _Draft] = {}
    before: dict[tuple[str, str], RevenueRow] = {}
    for row in sorted(rows, key=lambda r: (r.contract, r.term, r.period)):
        contract = state.contracts.get(row.contract)
        if contract is None:
            continue
        last = before.get((row.contract, row.term))
        before[(row.contract, row.term)] = row
        dims = {"entity": contract.entity, "contract": row.contract, "term": row.term}
        dims |= dict(extra.get(row.contract, {}))
        key = (contract.entity, row.contract, row.period, row.currency)
        draft = drafts.setdefault(key, _Draft())
        draft.add(AccountRole.REVENUE, -_delta(row, last, "recognized_cumulative"), dims)
        draft.add(AccountRole.BILLINGS, _delta(row, last, "billed_cumulative"), dims)
        asset = _asset_role(state, row.contract, row.term)
        draft.add(asset, _delta(row, last, "contract_asset"), dims)
        draft.add(AccountRole.CONTRACT_LIABILITY, -_delta(row, last, "contract_liability"), dims)
    return drafts


def _delta(row: RevenueRow, last: RevenueRow | None, figure: str) -> Decimal:
    now: Decimal = getattr(row, figure)
    return now - (getattr(last, figure) if last is not None else Decimal(0))


def revenue_entries(
    state: BillingState,
    rows: Iterable[RevenueRow],
    dimensions: Mapping[str, Mapping[str, str]] | None = None,
) -> list[JournalEntry]:
    """The `revenue` entries of the revenue report's rows (see the module docstring);
    `dimensions` adds what the firm knows per contract id (project, cost centre, ...)."""
    entries = []
    drafts = _revenue_drafts(state, rows, dimensions or {})
    for (entity, contract, period, currency), draft in sorted(drafts.items(), key=_draft_key):
        entries += _entry(state, EntryKind.REVENUE, entity, contract, period, currency, draft)
    return entries


def _draft_key(item: tuple[tuple[str, str, Period, str], _Draft]) -> tuple[str, str, str, str]:
    entity, contract, period, currency = item[0]
    return (str(period), entity, contract, currency)


def _entry(
    state: BillingState,
    kind: EntryKind,
    entity: str,
    contract: str,
    period: Period,
    currency: str,
    draft: _Draft,
) -> list[JournalEntry]:
    lines = draft.finished()
    if not lines:
        return []
    return [
        JournalEntry(
            entry_id(entity, period, kind, contract, currency),
            kind,
            entity,
            period,
            state.first_open_day(entity, period.last_day),
            contract,
            currency,
            lines,
        )
    ]


def intercompany_entries(
    state: BillingState,
    charges: Iterable[IntercompanyCharge],
    dimensions: Mapping[str, Mapping[str, str]] | None = None,
) -> list[JournalEntry]:
    """Each charge in both entities: receivable and revenue in the one that employs the
    resource, cost and payable in the contracting one (a negative charge reverses)."""
    drafts: dict[tuple[EntryKind, str, str, Period, str], _Draft] = {}
    extra = dimensions or {}
    for charge in charges:
        period = Period.of(charge.through)
        base = {"contract": charge.contract, "resource": charge.resource}
        base |= dict(extra.get(charge.contract, {}))
        provider = {"entity": charge.from_entity, "counterparty": charge.to_entity} | base
        receiver = {"entity": charge.to_entity, "counterparty": charge.from_entity} | base
        key = (EntryKind.INTERCOMPANY_REVENUE, charge.from_entity, charge.contract)
        draft = drafts.setdefault((*key, period, charge.currency), _Draft())
        draft.add(AccountRole.INTERCOMPANY_RECEIVABLE, charge.amount, provider)
        draft.add(AccountRole.INTERCOMPANY_REVENUE, -charge.amount, provider)
        key = (EntryKind.INTERCOMPANY_COST, charge.to_entity, charge.contract)
        draft = drafts.setdefault((*key, period, charge.currency), _Draft())
        draft.add(AccountRole.INTERCOMPANY_COST, charge.amount, receiver)
        draft.add(AccountRole.INTERCOMPANY_PAYABLE, -charge.amount, receiver)
    entries = []
    for (kind, entity, contract, period, currency), draft in drafts.items():
        entries += _entry(state, kind, entity, contract, period, currency, draft)
    return sorted(entries, key=lambda e: (str(e.period), e.id))


def journals(
    state: BillingState,
    rows: Iterable[RevenueRow],
    dimensions: Mapping[str, Mapping[str, str]] | None = None,
) -> list[JournalEntry]:
    """Every entry: revenue of the report's rows and the ledger's intercompany charges,
    by month then id."""
    entries = revenue_entries(state, rows, dimensions)
    entries += intercompany_entries(state, state.ledger.intercompany, dimensions)
    return sorted(entries, key=lambda e: (str(e.period), e.id))
