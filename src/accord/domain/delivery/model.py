"""Billable items: approved time entries, expenses and milestone acceptance.

A time entry keeps only its current version; `version` grows with every correction so
the billing ledger can tell what it has already billed from what changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


def _older(token: str, than: str) -> bool:
    """A delivery is older only when both carry a source token and its token is smaller."""
    return bool(token and than) and token < than


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
    source_version: str = ""
    """The source's ordering token (its update time, then its revision): a delivery
    with a smaller token than the entry's is older and never replaces it. Empty when the
    source gives none."""

    def is_older_than(self, other: TimeEntry) -> bool:
        """True when both carry a source token and this one's is older."""
        return _older(self.source_version, other.source_version)

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
    source_version: str = ""
    """The source's ordering token, as on `TimeEntry`."""

    def is_older_than(self, other: Expense) -> bool:
        return _older(self.source_version, other.source_version)


@dataclass(frozen=True, slots=True)
class MilestoneState:
    """Whether the customer accepted a milestone and whether billing is on hold."""

    accepted: bool = False
    on_hold: bool = False
