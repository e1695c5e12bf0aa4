"""What was sold: contracts with their billing terms, amendments, projects, staffing (v1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from accord.canonical.base import (
    CanonicalModel,
    CanonicalValue,
    CurrencyCode,
    Identifier,
    NonNegativeDecimalStr,
    ValidFrom,
)


class RoleRate(CanonicalValue):
    """A rate-card version: the hourly rate of a role from a date on ("*" = any role)."""

    role: Identifier
    rate: NonNegativeDecimalStr
    valid_from: ValidFrom


class PersonRate(CanonicalValue):
    """A person override: it beats the role rate for that resource from a date on."""

    resource: Identifier
    rate: NonNegativeDecimalStr
    valid_from: ValidFrom


class TimeAndMaterialsTerm(CanonicalValue):
    """Bill approved hours at the rate effective on the work date, up to an optional cap."""

    type: Literal["time_and_materials"]
    id: Identifier
    rates: list[RoleRate] = Field(default_factory=list)
    person_rates: list[PersonRate] = Field(default_factory=list)
    cap: NonNegativeDecimalStr | None = Field(default=None, description="not-to-exceed")
    billed_to_date: NonNegativeDecimalStr | None = Field(
        default=None, description="opening balance billed before onboarding"
    )


class MilestoneDefinition(CanonicalValue):
    """A share of a fixed fee, billed once the customer accepts it."""

    id: Identifier
    name: str = Field(min_length=1)
    percent: NonNegativeDecimalStr


class FixedFeeTerm(CanonicalValue):
    """A fixed fee split into milestones; `estimated_cost` enables cost-to-cost revenue."""

    type: Literal["fixed_fee"]
    id: Identifier
    fee: NonNegativeDecimalStr
    estimated_cost: NonNegativeDecimalStr | None = None
    milestones: list[MilestoneDefinition] = Field(default_factory=list)


class RetainerTerm(CanonicalValue):
    """A prepaid amount invoiced at activation and drawn down by later time charges."""

    type: Literal["retainer"]
    id: Identifier
    prepaid: NonNegativeDecimalStr


ContractTerm = Annotated[
    TimeAndMaterialsTerm | FixedFeeTerm | RetainerTerm, Field(discriminator="type")
]


class ExpensePolicy(CanonicalValue):
    """How re-billed expenses are priced: amount x (1 + markup %) + flat fee."""

    markup_percent: NonNegativeDecimalStr = Decimal(0)
    flat_fee: NonNegativeDecimalStr = Decimal(0)


class ContractStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    TERMINATED = "terminated"


class Contract(CanonicalModel):
    """A customer contract held by one contracting (invoicing) entity."""

    SCHEMA_NAME: ClassVar[str] = "contract"

    id: Identifier
    customer: Identifier
    entity: Identifier = Field(description="the contracting, invoicing legal entity")
    currency: CurrencyCode = Field(description="invoice currency")
    start: dt.date
    end: dt.date | None = None
    terms: list[ContractTerm] = Field(default_factory=list)
    expense_policy: ExpensePolicy | None = None
    intercompany_markup_percent: NonNegativeDecimalStr = Decimal(0)
    status: ContractStatus = ContractStatus.DRAFT
    signed_on: dt.date | None = Field(default=None, description="the day it was signed")

    @model_validator(mode="after")
    def _consistent(self) -> Contract:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"contract ends ({self.end}) before it starts ({self.start})")
        ids = [term.id for term in self.terms]
        duplicates = sorted({term_id for term_id in ids if ids.count(term_id) > 1})
        if duplicates:
            raise ValueError(f"term ids must be unique within a contract: {duplicates}")
        return self

    def term(self, term_id: str) -> TimeAndMaterialsTerm | FixedFeeTerm | RetainerTerm:
        """The term with that id; KeyError names the contract's terms when absent."""
        for term in self.terms:
            if term.id == term_id:
                return term
        known = [term.id for term in self.terms]
        raise KeyError(f"contract {self.id} has no term {term_id!r}; it has {known}")


class Amendment(CanonicalModel):
    """A change to one term: new rate versions (with their `from`) and/or a new cap."""

    SCHEMA_NAME: ClassVar[str] = "amendment"

    id: Identifier
    contract: Identifier
    term: Identifier
    signed_on: dt.date | None = None
    rates: list[RoleRate] = Field(default_factory=list)
    person_rates: list[PersonRate] = Field(default_factory=list)
    cap: NonNegativeDecimalStr | None = None


class ProjectStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    CLOSED = "closed"


class Project(CanonicalModel):
    """The delivery side of a contract in the PSA."""

    SCHEMA_NAME: ClassVar[str] = "project"

    id: Identifier
    contract: Identifier
    name: str = Field(min_length=1)
    customer: Identifier | None = None
    entity: Identifier | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    status: ProjectStatus = ProjectStatus.ACTIVE


class Assignment(CanonicalModel):
    """A resource staffed on a project, in a role, for a period (`end` inclusive)."""

    SCHEMA_NAME: ClassVar[str] = "assignment"

    id: Identifier
    project: Identifier
    contract: Identifier
    resource: Identifier
    role: Identifier
    term: Identifier | None = None
    start: dt.date
    end: dt.date | None = None
    planned_hours: NonNegativeDecimalStr | None = None
