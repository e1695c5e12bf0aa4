"""Accounting periods in the live hub: finance closes and reopens them per entity.

A period closed for an entity is never written into: a change to invoiced time or
expenses dated in it raises a `closed_period_change` exception and waits for finance
to approve (bill the correction in the open period) or reject it, as in the billing
engine (`domain/billing/time_charges.py`, `charges.py`). Reopening lets such changes
be billed like any other again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from accord.application.billing import BillingService
from accord.application.governance import Governance
from accord.domain.calendar import Period


class PeriodRefused(ValueError):
    """The entity or period is not one Accord knows; the message says what to use."""


@dataclass(frozen=True, slots=True)
class PeriodChange:
    entity: str
    period: str
    closed: bool
    """Whether the period is closed now."""
    changed: bool
    """False when it already was (closing a closed period changes nothing)."""


class AccountingPeriods:
    def __init__(self, billing: BillingService) -> None:
        self._billing = billing

    def closed(self) -> Mapping[str, list[str]]:
        """The closed periods (`YYYY-MM`) of each entity, oldest first."""
        state = self._billing.firm_state()
        return {
            entity.id: sorted(str(p) for p in state.closed_periods.get(entity.id, ()))
            for entity in state.firm.entities
        }

    def close(self, entity: str, period: str) -> PeriodChange:
        parsed = self._checked(entity, period)
        was = self._is_closed(entity, parsed)
        self._billing.close_period(entity, parsed)
        return PeriodChange(entity, str(parsed), True, not was)

    def reopen(self, entity: str, period: str) -> PeriodChange:
        parsed = self._checked(entity, period)
        was = self._is_closed(entity, parsed)
        self._billing.reopen_period(entity, parsed)
        return PeriodChange(entity, str(parsed), False, was)

    def _is_closed(self, entity: str, period: Period) -> bool:
        return period in self._billing.firm_state().closed_periods.get(entity, frozenset())

    def _checked(self, entity: str, period: str) -> Period:
        known = [e.id for e in self._billing.firm_state().firm.entities]
        if entity not in known:
            raise PeriodRefused(
                f"unknown entity {entity!r}; the firm's entities are: {', '.join(known) or 'none'}"
            )
        try:
            return Period.parse(period)
        except ValueError:
            raise PeriodRefused(f"period {period!r} is not a month: write YYYY-MM") from None


def change_period(
    periods: AccountingPeriods,
    governance: Governance,
    entity: str,
    period: str,
    close: bool,
    note: str,
    actor: str,
    correlation: str,
) -> PeriodChange:
    """Close or reopen a period and audit it (`period.closed` / `period.reopened`) in one
    transaction: what the API and the dashboard's form both do."""
    audit = governance.audit
    with audit.transaction():
        done = periods.close(entity, period) if close else periods.reopen(entity, period)
        audit.record(
            actor,
            "period.closed" if close else "period.reopened",
            f"period:{entity}:{done.period}",
            before={"closed": done.closed != done.changed},
            after={"closed": done.closed, "note": note},
            correlation_id=correlation,
        )
    return done
