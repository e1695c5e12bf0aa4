"""What was delivered: approved time, expenses, milestones and the charges they make (v1)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field

from accord.canonical.base import (
    CanonicalModel,
    CurrencyCode,
    DecimalStr,
    Identifier,
    NonNegativeDecimalStr,
)


class ApprovalStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    DELETED = "deleted"


class TimeEntry(CanonicalModel):
    """Hours a resource worked on a contract term on a work date."""

    SCHEMA_NAME: ClassVar[str] = "time_entry"

    id: Identifier
    contract: Identifier
    term: Identifier
    resource: Identifier
    date: dt.date = Field(description="the work date; rates are resolved on it")
    hours: NonNegativeDecimalStr
    billable: bool = True
    status: ApprovalStatus = ApprovalStatus.APPROVED
    description: str | None = None
    source_system: str | None = Field(default=None, description="e.g. psa")
    source_id: str | None = Field(default=None, description="the id in the source system")
    approved_at: AwareDatetime | None = None


class Expense(CanonicalModel):
    """An expense a resource incurred for a contract; billed with the expense policy."""

    SCHEMA_NAME: ClassVar[str] = "expense"

    id: Identifier
    contract: Identifier
    resource: Identifier
    date: dt.date
    amount: NonNegativeDecimalStr
    currency: CurrencyCode
    billable: bool = True
    status: ApprovalStatus = ApprovalStatus.APPROVED
    category: str | None = None
    description: str | None = None
    source_system: str | None = None
    source_id: str | None = None


class MilestoneState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    INVOICED = "invoiced"


class Milestone(CanonicalModel):
    """The state of one fixed-fee milestone; a hold blocks billing whatever the state."""

    SCHEMA_NAME: ClassVar[str] = "milestone"

    contract: Identifier
    term: Identifier
    milestone: Identifier
    state: MilestoneState = MilestoneState.PENDING
    on_hold: bool = False
    accepted_on: dt.date | None = None

    def business_key(self) -> str:
        return f"{self.contract}/{self.term}/{self.milestone}"


class ChargeKind(StrEnum):
    """What a billable charge or an invoice line stands for."""

    TIME = "time"
    EXPENSE = "expense"
    MILESTONE = "milestone"
    CORRECTION = "correction"
    CAP_HOLD = "cap_hold"
    CAP_RELEASE = "cap_release"
    RETAINER_DRAWDOWN = "retainer_drawdown"
    PREPAYMENT = "prepayment"


class BillingEventStatus(StrEnum):
    PENDING = "pending"
    HELD = "held"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


class BillingEvent(CanonicalModel):
    """A rated, billable charge waiting for an invoice run, with its lineage."""

    SCHEMA_NAME: ClassVar[str] = "billing_event"

    id: Identifier
    contract: Identifier
    term: Identifier | None = None
    kind: ChargeKind
    date: dt.date
    quantity: DecimalStr
    unit_price: DecimalStr
    amount: DecimalStr
    currency: CurrencyCode
    status: BillingEventStatus = BillingEventStatus.PENDING
    time_entry_ids: list[Identifier] = Field(default_factory=list)
    expense_id: Identifier | None = None
    milestone_id: Identifier | None = None
    rate_version: str | None = Field(default=None, description="the rate-card version used")
    invoice_number: str | None = None
