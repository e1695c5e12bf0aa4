"""Small builders for hand-written billing examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from accord.domain.billing.state import BillingState, new_state
from accord.domain.contracts.model import (
    Contract,
    CostRate,
    Customer,
    Employment,
    Entity,
    ExpensePolicy,
    Firm,
    FxQuote,
    RateVersion,
    Resource,
    TaxCategory,
    TaxRule,
    Term,
    TimeAndMaterialsTerm,
)
from accord.domain.delivery.model import TimeEntry

D = Decimal
JAN = date(2026, 1, 31)
FEB = date(2026, 2, 28)


def tm_term(
    rate: str = "150", role: str = "consultant", cap: str | None = None, billed: str = "0"
) -> TimeAndMaterialsTerm:
    return TimeAndMaterialsTerm(
        "TM",
        (RateVersion(role, D(rate), date(2026, 1, 1)),),
        (),
        None if cap is None else D(cap),
        D(billed),
    )


def make_state(
    *terms: Term,
    currency: str = "EUR",
    entity: str = "DE01",
    country: str = "DE",
    tax: tuple[TaxRule, ...] | None = None,
    fx: tuple[FxQuote, ...] = (),
    expense_policy: ExpensePolicy | None = None,
    markup: str = "0",
) -> BillingState:
    """One entity, one customer, two consultants and contract K1 with the given terms."""
    rules = tax if tax is not None else (TaxRule(entity, country, TaxCategory.STANDARD, D("19")),)
    firm = Firm(
        (Entity(entity, "Firm", country, currency), Entity("US01", "Firm Inc", "US", "USD")),
        fx,
        rules,
    )
    people = [
        Resource(
            r,
            r,
            "consultant",
            (Employment(entity, date(2025, 1, 1)),),
            (CostRate(date(2025, 1, 1), D("70"), currency),),
        )
        for r in ("R1", "R2")
    ]
    contract = Contract(
        "K1",
        "C1",
        entity,
        currency,
        date(2026, 1, 1),
        date(2026, 12, 31),
        terms or (tm_term(),),
        expense_policy,
        D(markup),
    )
    return new_state(firm, [Customer("C1", "Customer", country)], people, [contract])


def entry(
    entry_id: str, day: int, hours: str, month: int = 1, resource: str = "R1", term: str = "TM"
) -> TimeEntry:
    return TimeEntry(entry_id, "K1", term, resource, date(2026, month, day), D(hours))
