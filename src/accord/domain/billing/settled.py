"""Which of a contract's items an invoice run may leave unread, and for how long.

A run examines every time entry and expense of a contract: new ones are billed, billed
ones corrected when they changed. Most of a contract's history is neither: billed,
unchanged, priced as it was. Such an item is *settled*: dated on or before the run's
through date, it adds no line, correction, exception, charge or used rate version of
its own (`quiet_entries`, `quiet_expenses`: the engine's own per-item code, run for the
one item). It stays so while the item itself and what it is priced against stay as
they were: the contract (terms, rate versions, entity, markup, expense policy), the
resources whose time it is (role, employment, cost rates), the FX quotes its currency
converts at, and a through date no earlier than the one it was settled at (the engine
treats an item dated before both alike).

`RunBasis` is what the items were priced against, as fingerprints, noted per contract by
the run that settled them. While it `holds`, a run of the contract reads its unsettled
items alone and issues the same documents, raises the same exceptions and leaves the same
ledger as a run over all of them, since the settled ones add nothing to either. Once it
does not (an amendment, a change in HR, an FX quote dated in the past, an earlier
through date), the run reads the contract whole and settles its items anew.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from accord.domain.billing.charges import quiet_expenses
from accord.domain.billing.documents import Document, DocumentKind
from accord.domain.billing.fx import FxTable
from accord.domain.billing.issuing import credit_room
from accord.domain.billing.ledger import BillingLedger
from accord.domain.billing.state import BillingState
from accord.domain.billing.time_charges import quiet_entries
from accord.domain.contracts.model import Contract
from accord.domain.delivery.model import Expense, TimeEntry


def fingerprint(value: object) -> str:
    """A stable digest of a frozen value (its repr), the same in every process."""
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class RunBasis:
    """What a contract's settled items were priced against, as fingerprints."""

    through: date
    """The latest through date the items were settled at: an earlier run reads all."""
    contract: str
    resources: tuple[tuple[str, str], ...]
    """(resource id, fingerprint) of every resource whose settled time it is."""
    currencies: tuple[str, ...] = ()
    """The foreign currencies of the settled expenses."""
    fx: str = ""
    """The quotes between those currencies and the contract's, dated by `through`."""


@dataclass(frozen=True, slots=True)
class Settled:
    """The ids of a contract's settled time entries and expenses."""

    entries: frozenset[str]
    expenses: frozenset[str]


def settled_items(state: BillingState, contract: str, through: date) -> Settled:
    """The contract's items (of those `state` holds) a run through `through` or any later
    date leaves alone, however many there are beside them."""
    terms = state.contracts[contract]
    fx = FxTable(state.firm.fx)
    entries = state.time_entries.get(contract, {})
    expenses = state.expenses.get(contract, {})
    return Settled(
        frozenset(
            i for i in quiet_entries(state, terms, through) if entries[i].work_date <= through
        ),
        frozenset(
            i
            for i in quiet_expenses(state, terms, through, fx)
            if expenses[i].expense_date <= through
        ),
    )


def _fx(state: BillingState, contract: Contract, currencies: Iterable[str], through: date) -> str:
    pairs = {p for c in currencies for p in ((c, contract.currency), (contract.currency, c))}
    quotes = tuple(
        q for q in state.firm.fx if (q.source, q.target) in pairs and q.valid_from <= through
    )
    return fingerprint(quotes)


def run_basis(
    state: BillingState,
    contract: str,
    through: date,
    settled: tuple[Iterable[TimeEntry], Iterable[Expense]],
    previous: RunBasis | None = None,
) -> RunBasis:
    """The basis of the settled `(entries, expenses)` of `contract`, and of those settled
    under `previous` (which held for this run) when they were not read."""
    terms = state.contracts[contract]
    entries, expenses = settled
    resources = {entry.resource for entry in entries}
    currencies = {e.currency for e in expenses if e.currency != terms.currency}
    if previous is not None:
        resources.update(r for r, _ in previous.resources)
        currencies.update(previous.currencies)
    return RunBasis(
        through,
        fingerprint(terms),
        tuple((r, fingerprint(state.resources.get(r))) for r in sorted(resources)),
        tuple(sorted(currencies)),
        _fx(state, terms, currencies, through),
    )


def holds(basis: RunBasis | None, state: BillingState, contract: str, through: date) -> bool:
    """Whether the items settled under `basis` are still settled for a run through
    `through` on `state`: nothing they are priced against changed."""
    terms = state.contracts.get(contract)
    if basis is None or terms is None or through < basis.through:
        return False
    if fingerprint(terms) != basis.contract:
        return False
    resources = state.resources
    if any(fingerprint(resources.get(r)) != digest for r, digest in basis.resources):
        return False
    return _fx(state, terms, basis.currencies, basis.through) == basis.fx


def credits_beyond_room(documents: Iterable[Document], ledger: BillingLedger) -> frozenset[str]:
    """The contracts of credit notes among `documents` that left an invoice they name
    with nothing more to credit: the engine spreads what such a credit note takes beyond
    an invoice over the invoices that corrected it upwards, which only the contract's
    whole history names, so a run that read part of it issues them again on all of it."""
    return frozenset(
        d.contract
        for d in documents
        if d.kind is DocumentKind.CREDIT_NOTE
        and any(credit_room(ledger.documents[r]) <= 0 for r in d.references)
    )
