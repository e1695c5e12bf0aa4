"""Corrections of quarantined events: what a correction changes, and who must approve it.

A person corrects the payload of an event Accord could not apply (invalid, naming an
unknown record). Before anything is written Accord shows what the correction would do:
the record it creates or changes, field by field. A correction that changes money (an
approved time entry, an expense, an invoice, a payment, a posting) needs a second,
different person's approval before it is applied: four eyes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

FINANCE_CRITICAL_KINDS = frozenset(
    {
        "time_entry",
        "expense",
        "milestone",
        "billing_event",
        "invoice",
        "payment",
        "ledger_posting",
    }
)
"""Business kinds whose records become money: billed time and expenses, accepted
milestones, invoices, payments and ledger postings."""


SUBMITTED = "correction_submitted"
"""The history entry of a submitted correction (its payload, who submitted it, why)."""
APPROVED = "correction_approved"
"""The history entry of its approval by a second person."""


class CorrectionStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    """Approved and handed to the flow that applies it (a corrected ERP posting)."""
    APPLIED = "applied"


class FourEyesViolation(Exception):
    """The person approving a correction is the one who submitted it."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field a correction changes: `before` is None for a field it adds."""

    field: str
    before: Any
    after: Any


def needs_second_approval(business_kind: str | None) -> bool:
    """Whether a correction of a record of this kind changes money (four eyes)."""
    return business_kind in FINANCE_CRITICAL_KINDS


def check_approver(submitted_by: str, approver: str) -> None:
    """Refuse an approval by the person who submitted the correction."""
    if submitted_by == approver:
        raise FourEyesViolation(
            f"{approver} submitted this correction and cannot approve it too; "
            "a second person with the corrections:approve permission must approve it"
        )


def field_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[FieldChange]:
    """The fields of `after` that differ from `before` (nested objects by dotted path),
    plus those `after` drops; `before` None means the record is new."""
    old = dict(_flatten(before or {}))
    new = dict(_flatten(after))
    changes = [FieldChange(name, old.get(name), value) for name, value in new.items()]
    changes += [FieldChange(name, value, None) for name, value in old.items() if name not in new]
    return sorted(
        (change for change in changes if change.before != change.after),
        key=lambda change: change.field,
    )


def _flatten(document: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    flat: list[tuple[str, Any]] = []
    for name, value in document.items():
        path = f"{prefix}{name}"
        if isinstance(value, Mapping) and value:
            flat += _flatten(value, f"{path}.")
        else:
            flat.append((path, value))
    return flat
