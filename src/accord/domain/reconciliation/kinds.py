"""Discrepancy kinds, who owns each, and the discrepancy record people work from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from accord.domain.exceptions import ExceptionKind, OwnerRole


class DiscrepancyKind(StrEnum):
    """What is wrong between two systems."""

    MISSING_IN_BILLING = "missing_in_billing"
    MISSING_IN_PSA = "missing_in_psa"
    MISSING_IN_ERP = "missing_in_erp"
    MISSING_IN_CRM = "missing_in_crm"
    UNPOSTED_DOCUMENT = "unposted_document"
    UNKNOWN_DOCUMENT = "unknown_document"
    AMOUNT_MISMATCH = "amount_mismatch"
    TAX_MISMATCH = "tax_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    STATUS_MISMATCH = "status_mismatch"
    CUSTOMER_MISMATCH = "customer_mismatch"
    ENTITY_MISMATCH = "entity_mismatch"
    CONTRACT_MISMATCH = "contract_mismatch"
    UNBILLED_TIME = "unbilled_time"
    HOURS_MISMATCH = "hours_mismatch"
    BILLED_UNAPPROVED_TIME = "billed_unapproved_time"
    PAYMENT_NOT_MIRRORED = "payment_not_mirrored"
    PAYMENT_MISAPPLIED = "payment_misapplied"
    UNKNOWN_PAYMENT = "unknown_payment"
    DOUBLE_BILLED = "double_billed"

    @property
    def exception_kind(self) -> ExceptionKind:
        """The exception a discrepancy of this kind opens in the queue."""
        if self is DiscrepancyKind.DOUBLE_BILLED:
            return ExceptionKind.DOUBLE_BILLING
        return ExceptionKind.RECONCILIATION_DISCREPANCY

    @property
    def owner(self) -> OwnerRole:
        """The team that acts on it; the exception it opens is routed to that team, in
        the queue, the API and on every page alike."""
        return OWNERS[self]


OWNERS: dict[DiscrepancyKind, OwnerRole] = {
    DiscrepancyKind.MISSING_IN_BILLING: OwnerRole.BILLING,
    DiscrepancyKind.MISSING_IN_PSA: OwnerRole.PMO,
    DiscrepancyKind.MISSING_IN_ERP: OwnerRole.FINANCE,
    DiscrepancyKind.MISSING_IN_CRM: OwnerRole.INTEGRATION,
    DiscrepancyKind.UNPOSTED_DOCUMENT: OwnerRole.FINANCE,
    DiscrepancyKind.UNKNOWN_DOCUMENT: OwnerRole.FINANCE,
    DiscrepancyKind.AMOUNT_MISMATCH: OwnerRole.FINANCE,
    DiscrepancyKind.TAX_MISMATCH: OwnerRole.FINANCE,
    DiscrepancyKind.CURRENCY_MISMATCH: OwnerRole.FINANCE,
    DiscrepancyKind.STATUS_MISMATCH: OwnerRole.BILLING,
    DiscrepancyKind.CUSTOMER_MISMATCH: OwnerRole.INTEGRATION,
    DiscrepancyKind.ENTITY_MISMATCH: OwnerRole.FINANCE,
    DiscrepancyKind.CONTRACT_MISMATCH: OwnerRole.PMO,
    DiscrepancyKind.UNBILLED_TIME: OwnerRole.BILLING,
    DiscrepancyKind.HOURS_MISMATCH: OwnerRole.BILLING,
    DiscrepancyKind.BILLED_UNAPPROVED_TIME: OwnerRole.PMO,
    DiscrepancyKind.PAYMENT_NOT_MIRRORED: OwnerRole.BILLING,
    DiscrepancyKind.PAYMENT_MISAPPLIED: OwnerRole.BILLING,
    DiscrepancyKind.UNKNOWN_PAYMENT: OwnerRole.FINANCE,
    DiscrepancyKind.DOUBLE_BILLED: OwnerRole.FINANCE,
}
"""The team that acts on each kind: finance owns the ledger, billing the invoices and
their mirrors, the PMO projects and time, integration what only a re-sync can fix."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A difference one comparison found, before grace periods and owners apply.

    `left_value` / `right_value` say what each system holds, decimals in plain notation.
    """

    comparison: str
    kind: DiscrepancyKind
    key: str
    on: date | None
    amount_at_risk: Decimal | None
    currency: str | None
    left_value: str | None = None
    right_value: str | None = None


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """A discrepancy as finance and the PMO see it: what, where, how much, how old, whose."""

    kind: DiscrepancyKind
    comparison: str
    systems: tuple[str, str]
    key: str
    amount_at_risk: Decimal | None
    currency: str | None
    age_days: int | None
    owner: OwnerRole
    left_value: str | None = None
    right_value: str | None = None

    @property
    def subject(self) -> str:
        """The exception subject: the comparison and the business key, e.g.
        `documents_hub_erp:INV-DE01-000001`, unique per open discrepancy."""
        return f"{self.comparison}:{self.key}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (amounts as strings), as the scenario report shows it."""
        return {
            "kind": self.kind.value,
            "comparison": self.comparison,
            "systems": list(self.systems),
            "keys": [self.key],
            "amount_at_risk": None if self.amount_at_risk is None else str(self.amount_at_risk),
            "currency": self.currency,
            "age_days": self.age_days,
            "owner": self.owner.value,
            "values": self._values(),
        }

    def _values(self) -> dict[str, str | None]:
        left, right = self.systems
        if left == right:  # a check within one system: where first, where again
            return {"first": self.left_value, "again": self.right_value}
        return {left: self.left_value, right: self.right_value}
