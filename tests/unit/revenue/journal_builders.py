"""A small firm (DE01 in EUR, UK01 in GBP), one contract K1 and one consultant, for the
journal tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from accord.domain.billing.ledger import IntercompanyCharge
from accord.domain.billing.run import run_invoicing
from accord.domain.billing.state import BillingState, approve_time, new_state, set_milestone
from accord.domain.contracts.model import (
    Contract,
    CostRate,
    Customer,
    Employment,
    Entity,
    Firm,
    FixedFeeTerm,
    Milestone,
    Resource,
    TaxCategory,
    TaxRule,
    Term,
)
from accord.domain.delivery.model import TimeEntry

JAN, FEB = date(2026, 1, 31), date(2026, 2, 28)
MILESTONES = (
    Milestone("M1", "Discovery", D(30)),
    Milestone("M2", "Build", D(40)),
    Milestone("M3", "Handover", D(30)),
)


def firm_state(*terms: Term) -> BillingState:
    firm = Firm(
        (Entity("DE01", "GmbH", "DE", "EUR"), Entity("UK01", "Ltd", "GB", "GBP")),
        (),
        (TaxRule("DE01", "DE", TaxCategory.STANDARD, D(19)),),
    )
    person = Resource(
        "R1",
        "Ada",
        "consultant",
        (Employment("DE01", date(2025, 1, 1)),),
        (CostRate(date(2025, 1, 1), D(70), "EUR"),),
    )
    contract = Contract("K1", "C1", "DE01", "EUR", date(2026, 1, 1), date(2026, 12, 31), terms)
    return new_state(firm, [Customer("C1", "Kunde", "DE")], [person], [contract])


def time_on(entry_id: str, term: str, day: date, hours: int) -> TimeEntry:
    return TimeEntry(entry_id, "K1", term, "R1", day, D(hours))


def fixed_fee_ahead_of_billing() -> BillingState:
    """Cost-to-cost revenue 42,000 / 105,000 against milestones billed 36,000 / 84,000."""
    state = firm_state(FixedFeeTerm("FF", D(120000), MILESTONES, estimated_cost=D(80000)))
    state = approve_time(state, [time_on("T1", "FF", date(2026, 1, 12), 400)])
    state = run_invoicing(set_milestone(state, ("K1", "FF", "M1"), accepted=True), JAN).state
    state = approve_time(state, [time_on("T2", "FF", date(2026, 2, 10), 600)])
    return run_invoicing(set_milestone(state, ("K1", "FF", "M2"), accepted=True), FEB).state


def uk_charge(amount: str) -> IntercompanyCharge:
    """UK01 charges DE01 for R2's work on K1 in January, in GBP."""
    return IntercompanyCharge(
        "UK01", "DE01", "R2", "K1", D(10), D(amount), "GBP", D(amount), "EUR", JAN
    )
