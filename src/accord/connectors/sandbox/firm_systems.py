"""Where the sandbox firm's people work: the port the activity generator writes through.

The generator decides what the firm does (who logs time on which contract, which
invoice is paid, which approver rejects); a `FirmSystems` adapter says how that reaches
the systems that play the roles: `GenericSystems` writes to the sandbox's own systems
(`/psa`, `/clm`, `/erp`, `/hr`, `/crm`), `VendorSystems` through each vendor
simulator's documented API (Salesforce, Kantata OX, Workday, NetSuite). A failed write
raises `httpx.HTTPError` (an injected fault, an outage): the generator counts it and goes
on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Protocol

from accord.connectors.sandbox.firm import GeneratedFirm

__all__ = [
    "ENTRY_PREFIX",
    "Collection",
    "ExpenseLog",
    "FirmSystems",
    "OpenInvoice",
    "PendingMilestone",
    "TimeLog",
]

ENTRY_PREFIX = "GEN-T"
"""The generator's numbers of the time entries it submits: GEN-T000001, GEN-T000002, ..."""
Collection = Literal["time_entries", "expenses"]
"""What an approver reviews: a time entry or an expense."""


@dataclass(frozen=True, slots=True)
class TimeLog:
    """Time a person submits on a contract for approval."""

    contract: dict[str, Any]
    worker: str
    day: date
    minutes: int
    reference: str
    """The generator's own number for it (`GEN-T000001`), the soak run's ledger key."""


@dataclass(frozen=True, slots=True)
class ExpenseLog:
    """An expense a person submits on a contract for approval."""

    contract: dict[str, Any]
    worker: str
    day: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PendingMilestone:
    """A milestone the PSA holds as not yet accepted; `key` is its ledger key."""

    key: str
    handle: str
    """The PSA's own reference to it (an id or external id), for the acceptance."""
    data: dict[str, Any] = field(default_factory=dict)
    """What the PSA's listing said of it, as far as the acceptance needs it."""


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An invoice the ERP holds unpaid: what a customer's payment names."""

    number: str
    gross_total: str
    currency: str
    customer: str | None = None


class FirmSystems(Protocol):
    """The firm's systems as the generator uses them (see the module docs)."""

    def load_firm(self, firm: GeneratedFirm, stopping: Callable[[], bool]) -> bool:
        """Write the firm's workers, customers, contracts (signed), projects and
        milestones; False when `stopping()` cut it short (loading again completes it)."""
        ...

    def last_entry_number(self) -> int:
        """How far the time entries already submitted are numbered (0: none)."""
        ...

    def log_time(self, entry: TimeLog) -> str:
        """Submit time; the PSA's id of the entry, for its review."""
        ...

    def log_expense(self, expense: ExpenseLog) -> str:
        """Submit an expense; the PSA's id of it, for its review."""
        ...

    def review(self, collection: Collection, entry: str, approve: bool) -> None:
        """Approve or reject a submitted entry."""
        ...

    def pending_milestones(self) -> list[PendingMilestone]:
        """The milestones not yet accepted."""
        ...

    def accept_milestone(self, milestone: PendingMilestone, day: date) -> None:
        """The customer accepts the milestone on `day`."""
        ...

    def amend(self, contract: dict[str, Any], rate: str, day: date) -> None:
        """A new rate for every role on the contract's T&M term, from `day` on."""
        ...

    def open_invoices(self) -> list[OpenInvoice]:
        """The invoices the ERP holds unpaid."""
        ...

    def pay_invoice(self, invoice: OpenInvoice, day: date) -> str:
        """The customer pays the invoice in full on `day`; the payment's ledger key."""
        ...

    def transfer(self, worker: str, entity: str, effective_from: date) -> None:
        """HR records the worker as employed by `entity` from `effective_from` on."""
        ...

    def close(self) -> None:
        """Release the connections (the adapter is not used afterwards)."""
        ...
