"""Intercompany charges: work by a resource another entity employs on the work date.

The employing entity charges the contracting one hours x cost rate x (1 + markup %), in
the cost currency; a row per (from entity, resource) per run, converted into the
contract currency at the FX rate effective on the run's through date. When an invoiced
entry's basis changes (a retroactive transfer, corrected hours) the old basis is reversed
and the new one charged, so the adjustment nets to the difference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from accord.domain.billing.fx import FxTable
from accord.domain.billing.ledger import IntercompanyBasis, IntercompanyCharge
from accord.domain.contracts.model import Contract, Resource
from accord.domain.exceptions import BusinessException, ExceptionKind
from accord.domain.money import round_to_currency


@dataclass(frozen=True, slots=True)
class EntryCharge:
    """For one entry: the basis to reverse (if any) and the basis to charge (if any)."""

    resource: str
    reversed: IntercompanyBasis | None
    charged: IntercompanyBasis | None


def intercompany_basis(
    contract: Contract, resource: Resource, day: date, hours: Decimal
) -> tuple[IntercompanyBasis | None, BusinessException | None]:
    """The charge this work owes another entity, or None when the contract's entity
    employs the resource. A missing cost rate is reported, never guessed."""
    employer = resource.employer_on(day)
    if employer is None or employer == contract.entity or not hours:
        return None, None
    cost = resource.cost_rate_on(day)
    if cost is None:
        return None, BusinessException(
            ExceptionKind.INVALID_EVENT,
            resource.id,
            f"{resource.id} has no cost rate on {day}, so {employer} cannot charge "
            f"{contract.entity} for it: add a cost rate in HR, then rerun",
        )
    factor = 1 + contract.intercompany_markup_percent / 100
    return IntercompanyBasis(employer, hours, hours * cost.rate * factor, cost.currency), None


def intercompany_charges(
    contract: Contract, charges: Iterable[EntryCharge], through: date, fx: FxTable
) -> tuple[IntercompanyCharge, ...]:
    """Aggregate entry charges into rows per (from entity, resource, currency).

    Raises `BlockedByException` (missing_fx_rate) when a row cannot be converted.
    """
    totals: dict[tuple[str, str, str], tuple[Decimal, Decimal]] = {}
    for charge in charges:
        for basis, sign in ((charge.reversed, -1), (charge.charged, 1)):
            if basis is None:
                continue
            key = (basis.from_entity, charge.resource, basis.currency)
            hours, value = totals.get(key, (Decimal(0), Decimal(0)))
            totals[key] = (hours + sign * basis.hours, value + sign * basis.value)
    rows = []
    for (from_entity, resource, currency), (hours, value) in sorted(totals.items()):
        if not hours and not value:
            continue
        amount = round_to_currency(value, currency)
        rate = fx.rate(currency, contract.currency, through, contract.id)
        rows.append(
            IntercompanyCharge(
                from_entity,
                contract.entity,
                resource,
                contract.id,
                hours,
                amount,
                currency,
                round_to_currency(amount * rate, contract.currency),
                contract.currency,
                through,
            )
        )
    return tuple(rows)
