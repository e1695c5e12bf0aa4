"""Tax per (category, rate) on the sum of rounded line nets (EN 16931 BR-CO-17)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from accord.domain.billing.errors import BlockedByException
from accord.domain.contracts.model import Firm, TaxCategory, TaxRule
from accord.domain.exceptions import BusinessException, ExceptionKind
from accord.domain.money import round_to_currency


@dataclass(frozen=True, slots=True)
class TaxSubtotal:
    category: TaxCategory
    rate: Decimal
    taxable: Decimal
    tax: Decimal


def find_tax_rule(firm: Firm, entity: str, customer_country: str, subject: str) -> TaxRule:
    """The rule for (entity, customer country); raises `missing_tax_rule` when absent."""
    for rule in firm.tax:
        if rule.entity == entity and rule.customer_country == customer_country:
            return rule
    raise BlockedByException(
        BusinessException(
            ExceptionKind.MISSING_TAX_RULE,
            subject,
            f"no tax rule for entity {entity} and customer country {customer_country}: "
            f"add one to the firm's tax table, then retry the invoice run",
        )
    )


def tax_subtotals(
    lines: Iterable[tuple[TaxCategory, Decimal, Decimal]], currency: str
) -> tuple[TaxSubtotal, ...]:
    """Group (category, rate, net) by (category, rate) and round each group's tax once."""
    groups: dict[tuple[TaxCategory, Decimal], Decimal] = {}
    for category, rate, net in lines:
        groups[(category, rate)] = groups.get((category, rate), Decimal(0)) + net
    return tuple(
        TaxSubtotal(category, rate, taxable, round_to_currency(taxable * rate / 100, currency))
        for (category, rate), taxable in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1]))
    )
