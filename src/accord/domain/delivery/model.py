"""Billable items: approved time entries, expenses and milestone acceptance.

A time entry keeps only its current version; `version` grows with every correction so
the billing ledger can tell what it has already billed from what changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class TimeEntry:
    """Approved hours of one resource on one work date, against one contract term."""

    id: str
    contract: str
    term: str
    resource: str
    work_date: date
    hours: Decimal
    billable: bool = True
    version: int = 1

    def same_content(self, other: TimeEntry) -> bool:
        """True when `other` carries the same facts (a redelivered duplicate)."""
        return (
            self.contract == other.contract
            and self.term == other.term
            and self.resource == other.resource
            and self.work_date == other.work_date
            and self.hours == other.hours
            and self.billable == other.billable
        )


@dataclass(frozen=True, slots=True)
class Expense:
    """An approved expense in the currency it was paid in."""

    id: str
    contract: str
    resource: str
    expense_date: date
    amount: Decimal
    currency: str
    billable: bool = True


@dataclass(frozen=True, slots=True)
class MilestoneState:
    """Whether the customer accepted a milestone and whether billing is on hold."""

    accepted: bool = False
    on_hold: bool = False
