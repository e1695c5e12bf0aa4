"""What has been issued, so that the next invoice run computes only the delta.

`BillingLedger` is immutable by convention: every engine function returns a new ledger
(the mappings are copied where they change, never mutated in place), so a caller can
keep the old one, persist the new one, or discard it after a failed flow step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from accord.domain.billing.documents import Document
from accord.domain.contracts.rates import RateKey
from accord.domain.exceptions import ExceptionAction, ExceptionKind

TermKey = tuple[str, str]
"""(contract id, term id)."""


@dataclass(frozen=True, slots=True)
class IntercompanyBasis:
    """The intercompany charge already made for one billed entry (value unrounded)."""

    from_entity: str
    hours: Decimal
    value: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class BilledEntry:
    """How a time entry stands on issued documents: net hours at one unit price."""

    entry: str
    contract: str
    term: str
    version: int
    hours: Decimal
    unit_price: Decimal
    rate_key: RateKey
    work_date: date
    invoice: str
    intercompany: IntercompanyBasis | None = None


@dataclass(frozen=True, slots=True)
class IntercompanyCharge:
    """The employing entity charges the contracting one for a resource's work in a run.

    `amount` is in the resource's cost currency, converted at the run's through date.
    Negative rows reverse earlier charges (a retroactive transfer or a correction).
    """

    from_entity: str
    to_entity: str
    resource: str
    contract: str
    hours: Decimal
    amount: Decimal
    currency: str
    amount_in_contract_currency: Decimal
    contract_currency: str
    through: date


@dataclass(frozen=True, slots=True)
class BillingLedger:
    documents: dict[str, Document] = field(default_factory=dict)
    """Issued documents by number, in issue order."""
    entries: dict[str, BilledEntry] = field(default_factory=dict)
    expenses: dict[str, str] = field(default_factory=dict)
    """Expense id -> invoice that billed it."""
    expense_billed: dict[str, Decimal] = field(default_factory=dict)
    """Expense id -> net it stands at on issued documents (after corrections)."""
    milestones: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """(contract, term, milestone) -> invoice that billed it."""
    cap_billed: dict[TermKey, Decimal] = field(default_factory=dict)
    """Net billed on a capped term by Accord (excluding the opening billed_to_date)."""
    held: dict[TermKey, Decimal] = field(default_factory=dict)
    retainer_balance: dict[TermKey, Decimal] = field(default_factory=dict)
    prepayments: dict[TermKey, str] = field(default_factory=dict)
    """Retainer term -> its prepayment document."""
    counters: dict[tuple[str, str], int] = field(default_factory=dict)
    """(entity, prefix) -> last number issued."""
    intercompany: tuple[IntercompanyCharge, ...] = ()
    decisions: dict[tuple[ExceptionKind, str], ExceptionAction] = field(default_factory=dict)
    """Pending approve/reject decisions on exceptions, consumed by the next run."""
    declined: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    """Entry -> (version, unit price) of a correction finance rejected: not billed."""
    used_rates: frozenset[tuple[str, str, RateKey]] = frozenset()
    """(contract, term, rate version) that priced an issued line."""

    def used_rate_keys(self, contract: str, term: str) -> frozenset[RateKey]:
        return frozenset(k for c, t, k in self.used_rates if (c, t) == (contract, term))
