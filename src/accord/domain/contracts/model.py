"""The firm, its customers and resources, and contracts with their billing terms.

Plain frozen dataclasses: the store feeds them in, the billing engine reads them. Rates,
amounts and percentages are `Decimal` in the contract's (or cost) currency.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from accord.domain.money import minor_units, round_to_currency


class TaxCategory(StrEnum):
    """EN 16931 / UNCL5305 VAT category codes."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    OUTSIDE_SCOPE = "O"


@dataclass(frozen=True, slots=True)
class Entity:
    """A legal entity of the firm; `currency` is its functional currency."""

    id: str
    name: str
    country: str
    currency: str
    tax_id: str | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    payment_terms: str | None = None
    """Its standard payment terms as printed on invoices, e.g. "30 days net"."""
    registration_id: str | None = None
    """Its legal registration (company register number, EIN)."""


@dataclass(frozen=True, slots=True)
class FxQuote:
    """1 unit of `source` = `rate` units of `target`, valid from `valid_from`."""

    valid_from: date
    source: str
    target: str
    rate: Decimal


@dataclass(frozen=True, slots=True)
class TaxRule:
    """The tax an entity charges customers of one country."""

    entity: str
    customer_country: str
    category: TaxCategory
    rate: Decimal

    def __post_init__(self) -> None:
        if self.category is TaxCategory.STANDARD and self.rate <= 0:
            raise ValueError(f"standard-rated tax for {self.entity} needs a rate above zero")
        if self.category is not TaxCategory.STANDARD and self.rate != 0:
            raise ValueError(
                f"tax category {self.category.value} for {self.entity} must have rate 0"
            )


@dataclass(frozen=True, slots=True)
class Firm:
    """The firm as billing knows it: its legal entities (master data), FX quotes and tax
    rules (the firm configuration, `accord.firm_config.FirmConfig`)."""

    entities: tuple[Entity, ...]
    fx: tuple[FxQuote, ...] = ()
    tax: tuple[TaxRule, ...] = ()
    send_einvoices: bool = False
    """Documents go out as EN 16931 e-invoices, so each must pass the rules first."""

    def entity(self, entity_id: str) -> Entity:
        for entity in self.entities:
            if entity.id == entity_id:
                return entity
        raise KeyError(f"unknown entity {entity_id!r}")


@dataclass(frozen=True, slots=True)
class Customer:
    """A buyer; the address and VAT id are what an e-invoice names it by."""

    id: str
    name: str
    country: str
    tax_id: str | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True, slots=True)
class Employment:
    """The resource is employed by `entity` from `valid_from` until the next record."""

    entity: str
    valid_from: date


@dataclass(frozen=True, slots=True)
class CostRate:
    valid_from: date
    rate: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Resource:
    """A person who delivers work; employment and cost rates are dated histories."""

    id: str
    name: str
    role: str
    employment: tuple[Employment, ...]
    cost_rates: tuple[CostRate, ...] = ()

    def employer_on(self, day: date) -> str | None:
        """The employing entity on `day`, or None when not employed then."""
        found: Employment | None = None
        for record in self.employment:
            if record.valid_from <= day and (
                found is None or record.valid_from >= found.valid_from
            ):
                found = record
        return found.entity if found else None

    def cost_rate_on(self, day: date) -> CostRate | None:
        found: CostRate | None = None
        for record in self.cost_rates:
            if record.valid_from <= day and (
                found is None or record.valid_from >= found.valid_from
            ):
                found = record
        return found


WILDCARD_ROLE = "*"


@dataclass(frozen=True, slots=True)
class RateVersion:
    """A role's hourly rate on the contract's rate card from `valid_from`; `*` is blended."""

    role: str
    rate: Decimal
    valid_from: date


@dataclass(frozen=True, slots=True)
class PersonRate:
    """A person-specific override of the rate card from `valid_from`."""

    resource: str
    rate: Decimal
    valid_from: date


@dataclass(frozen=True, slots=True)
class TimeAndMaterialsTerm:
    """Hours times the resolved rate, optionally under a not-to-exceed cap.

    `billed_to_date` is what was billed before Accord took the contract over; it counts
    against the cap.
    """

    id: str
    rates: tuple[RateVersion, ...]
    person_rates: tuple[PersonRate, ...] = ()
    cap: Decimal | None = None
    billed_to_date: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Milestone:
    id: str
    name: str
    percent: Decimal


@dataclass(frozen=True, slots=True)
class FixedFeeTerm:
    """A fee billed in milestones; `estimated_cost` enables cost-to-cost revenue."""

    id: str
    fee: Decimal
    milestones: tuple[Milestone, ...]
    estimated_cost: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.milestones:
            raise ValueError(f"fixed-fee term {self.id} needs at least one milestone")
        if sum((m.percent for m in self.milestones), Decimal(0)) != 100:
            raise ValueError(f"milestone percentages of term {self.id} must add up to 100")


@dataclass(frozen=True, slots=True)
class RetainerTerm:
    """A prepayment invoiced at activation and drawn down by time charges."""

    id: str
    prepaid: Decimal


Term = TimeAndMaterialsTerm | FixedFeeTerm | RetainerTerm


@dataclass(frozen=True, slots=True)
class ExpensePolicy:
    markup_percent: Decimal = Decimal(0)
    flat_fee: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Contract:
    """What a customer bought from one contracting entity, invoiced in `currency`."""

    id: str
    customer: str
    entity: str
    currency: str
    start: date
    end: date
    terms: tuple[Term, ...]
    expense_policy: ExpensePolicy | None = None
    intercompany_markup_percent: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        decimals = minor_units(self.currency)
        for term in self.terms:
            if isinstance(term, TimeAndMaterialsTerm):
                prices = [v.rate for v in term.rates] + [p.rate for p in term.person_rates]
                for price in prices:
                    if round_to_currency(price, self.currency) != price:
                        raise ValueError(
                            f"rate {price} on {self.id}/{term.id} has more than {decimals} "
                            f"decimals, which {self.currency} cannot invoice"
                        )

    def term(self, term_id: str) -> Term:
        for term in self.terms:
            if term.id == term_id:
                return term
        raise KeyError(f"contract {self.id} has no term {term_id!r}")

    def bills_hours_on(self, term_id: str) -> bool:
        """Whether time on the term is billed by the hour (a T&M term). Time on a fixed
        fee or a retainer term is effort: it drives cost-to-cost revenue, never an
        invoice line, so it is never unbilled. An unknown term is treated as billable,
        so time booked to it stays visible."""
        term = next((t for t in self.terms if t.id == term_id), None)
        return term is None or isinstance(term, TimeAndMaterialsTerm)

    def with_term(self, term: Term) -> Contract:
        """A copy with `term` replacing the term of the same id."""
        terms = tuple(term if t.id == term.id else t for t in self.terms)
        return replace(self, terms=terms)


def milestone_amounts(term: FixedFeeTerm, currency: str) -> dict[str, Decimal]:
    """Each milestone's amount: round(fee x percent / 100); the last takes the remainder."""
    amounts: dict[str, Decimal] = {}
    for milestone in term.milestones[:-1]:
        amounts[milestone.id] = round_to_currency(term.fee * milestone.percent / 100, currency)
    last = term.milestones[-1]
    amounts[last.id] = round_to_currency(term.fee, currency) - sum(amounts.values(), Decimal(0))
    return amounts
