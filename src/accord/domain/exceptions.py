"""Business exceptions: what cannot proceed, who owns it, and how urgent it is.

An exception here is not a Python error: it is a record a person works from the queue.
Its kind decides the owner role and the SLA; flows wait on it and resume on an action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum


class OwnerRole(StrEnum):
    """The team that has to act on an exception."""

    BILLING = "billing"
    FINANCE = "finance"
    PMO = "pmo"
    INTEGRATION = "integration"
    HR = "hr"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ExceptionStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    SKIPPED = "skipped"


class ExceptionAction(StrEnum):
    """What a person may do with an open exception."""

    RETRY = "retry"
    REPLAY = "replay"
    APPROVE = "approve"
    REJECT = "reject"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class ExceptionPolicy:
    owner: OwnerRole
    severity: Severity
    sla: timedelta
    actions: tuple[ExceptionAction, ...]


class ExceptionKind(StrEnum):
    """Standard kinds (scenario format) plus the ones integrations need."""

    MISSING_TAX_RULE = "missing_tax_rule"
    MISSING_FX_RATE = "missing_fx_rate"
    CLOSED_PERIOD_CHANGE = "closed_period_change"
    POSTING_REJECTED = "posting_rejected"
    POSTING_MISMATCH = "posting_mismatch"
    SYSTEM_UNAVAILABLE = "system_unavailable"
    UNKNOWN_REFERENCE = "unknown_reference"
    INVALID_EVENT = "invalid_event"
    RESOURCE_NOT_EMPLOYED = "resource_not_employed"
    UNAPPLIED_PAYMENT = "unapplied_payment"
    CAP_REACHED = "cap_reached"
    RECONCILIATION_DISCREPANCY = "reconciliation_discrepancy"
    CONTRACT_WITHDRAWN = "contract_withdrawn"
    DOUBLE_BILLING = "double_billing"
    EINVOICE_INVALID = "einvoice_invalid"

    @property
    def policy(self) -> ExceptionPolicy:
        return POLICIES[self]

    @property
    def owner(self) -> OwnerRole:
        return POLICIES[self].owner


_FIX = (ExceptionAction.RETRY, ExceptionAction.REPLAY, ExceptionAction.SKIP)
_DECIDE = (ExceptionAction.APPROVE, ExceptionAction.REJECT)

POLICIES: dict[ExceptionKind, ExceptionPolicy] = {
    ExceptionKind.MISSING_TAX_RULE: ExceptionPolicy(
        OwnerRole.FINANCE, Severity.HIGH, timedelta(days=1), _FIX
    ),
    ExceptionKind.MISSING_FX_RATE: ExceptionPolicy(
        OwnerRole.FINANCE, Severity.HIGH, timedelta(days=1), _FIX
    ),
    ExceptionKind.CLOSED_PERIOD_CHANGE: ExceptionPolicy(
        OwnerRole.FINANCE, Severity.HIGH, timedelta(days=2), _DECIDE
    ),
    ExceptionKind.POSTING_REJECTED: ExceptionPolicy(
        OwnerRole.FINANCE, Severity.HIGH, timedelta(days=1), _FIX
    ),
    # The document is posted; finance corrects the ledger entry, then skips with a note.
    ExceptionKind.POSTING_MISMATCH: ExceptionPolicy(
        OwnerRole.FINANCE, Severity.HIGH, timedelta(days=2), (ExceptionAction.SKIP,)
    ),
    ExceptionKind.SYSTEM_UNAVAILABLE: ExceptionPolicy(
        OwnerRole.INTEGRATION, Severity.CRITICAL, timedelta(hours=4), _FIX
    ),
    ExceptionKind.UNKNOWN_REFERENCE: ExceptionPolicy(
        OwnerRole.INTEGRATION, Severity.MEDIUM, timedelta(days=1), _FIX
    ),
    ExceptionKind.INVALID_EVENT: ExceptionPolicy(
        OwnerRole.INTEGRATION, Severity.MEDIUM, timedelta(days=1), _FIX
    ),
    ExceptionKind.RESOURCE_NOT_EMPLOYED: ExceptionPolicy(
        OwnerRole.HR, Severity.MEDIUM, timedelta(days=2), _FIX
    ),
    ExceptionKind.UNAPPLIED_PAYMENT: ExceptionPolicy(
        OwnerRole.BILLING, Severity.MEDIUM, timedelta(days=2), _FIX
    ),
    ExceptionKind.CAP_REACHED: ExceptionPolicy(
        OwnerRole.PMO, Severity.MEDIUM, timedelta(days=5), (ExceptionAction.SKIP,)
    ),
    ExceptionKind.RECONCILIATION_DISCREPANCY: ExceptionPolicy(
        OwnerRole.FINANCE, Severity.MEDIUM, timedelta(days=2), _FIX
    ),
    ExceptionKind.CONTRACT_WITHDRAWN: ExceptionPolicy(
        OwnerRole.BILLING, Severity.HIGH, timedelta(days=2), (ExceptionAction.SKIP,)
    ),
    ExceptionKind.DOUBLE_BILLING: ExceptionPolicy(
        OwnerRole.FINANCE, Severity.CRITICAL, timedelta(days=1), (ExceptionAction.SKIP,)
    ),
    ExceptionKind.EINVOICE_INVALID: ExceptionPolicy(
        OwnerRole.BILLING, Severity.HIGH, timedelta(days=1), _FIX
    ),
}


def actions_for(kind: ExceptionKind, *, compensable: bool = False) -> tuple[ExceptionAction, ...]:
    """What a person may do with an open exception of `kind`.

    `compensable`: the flow waiting on it can undo what it already changed (an activation
    part-way), so the person may also reject it instead of fixing and retrying.
    """
    actions = kind.policy.actions
    if compensable and ExceptionAction.REJECT not in actions:
        return (*actions, ExceptionAction.REJECT)
    return actions


class TransientClass(StrEnum):
    """Why a system was unavailable: each passes by itself, so the flow retries alone."""

    OUTAGE = "outage"
    THROTTLING = "throttling"
    TIMEOUT = "timeout"


def transient_class(reason: str) -> TransientClass:
    """Classify a `system_unavailable` failure by what the system or the client said."""
    text = reason.lower()
    if any(word in text for word in ("429", "throttl", "rate limit", "too many requests")):
        return TransientClass.THROTTLING
    if any(word in text for word in ("timeout", "timed out", "http 504")):
        return TransientClass.TIMEOUT
    return TransientClass.OUTAGE


@dataclass(frozen=True, slots=True)
class BusinessException:
    """A reason something cannot proceed, raised by domain decisions.

    `subject` is the business key it is about (contract, resource, invoice or event id);
    `blocks` lists the further business keys held up by it.
    """

    kind: ExceptionKind
    subject: str
    message: str
    amount_at_risk: Decimal | None = None
    currency: str | None = None
    blocks: tuple[str, ...] = field(default_factory=tuple)
    routed_to: OwnerRole | None = None
    """The team that acts on it when the finding names one (a reconciliation discrepancy
    goes to whoever owns the system in error); otherwise the kind's owner."""

    @property
    def owner(self) -> OwnerRole:
        return self.routed_to or self.kind.owner


RETRIED_BY_ITSELF: tuple[ExceptionKind, ...] = (
    ExceptionKind.SYSTEM_UNAVAILABLE,
    ExceptionKind.UNKNOWN_REFERENCE,
)
"""Exception kinds a waiting flow retries on its own: the cause (a system down, a record
not yet received) may pass without anyone acting. Every other kind waits for a person."""


def retries_by_itself(kind: ExceptionKind) -> bool:
    """Whether a flow waiting on an exception of `kind` tries again without a person."""
    return kind in RETRIED_BY_ITSELF


def failed_step_kind(kind: str | None) -> ExceptionKind:
    """The kind of the exception a failed step opens: the one its failure names, else
    `system_unavailable`. A failure that says nothing more is treated as an outage: it is
    retried on its own and, as its write may have landed, undone on a rejection."""
    return ExceptionKind(kind) if kind else ExceptionKind.SYSTEM_UNAVAILABLE
