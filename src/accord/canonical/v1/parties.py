"""Who does business: the firm's legal entities, its customers and its people (v1)."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from typing import ClassVar

from pydantic import Field, model_validator

from accord.canonical.base import (
    CanonicalModel,
    CanonicalValue,
    CountryCode,
    CurrencyCode,
    Identifier,
    NonNegativeDecimalStr,
    ValidFrom,
)


class LegalEntity(CanonicalModel):
    """A company of the firm that employs people and issues invoices."""

    SCHEMA_NAME: ClassVar[str] = "legal_entity"

    id: Identifier
    name: str = Field(min_length=1)
    country: CountryCode
    currency: CurrencyCode = Field(description="functional currency")
    tax_id: str | None = Field(default=None, description="VAT or other tax registration")
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    payment_terms: str | None = Field(
        default=None, description='standard payment terms printed on invoices ("30 days net")'
    )
    registration_id: str | None = Field(
        default=None, description="legal registration: company register number, EIN"
    )


class Customer(CanonicalModel):
    """A buyer of the firm's services; `country` drives the tax rule."""

    SCHEMA_NAME: ClassVar[str] = "customer"

    id: Identifier
    name: str = Field(min_length=1)
    country: CountryCode
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    tax_id: str | None = Field(default=None, description="VAT or other tax registration")
    email: str | None = None


class Employment(CanonicalValue):
    """A period during which a legal entity employs the resource (`to` inclusive)."""

    entity: Identifier
    valid_from: ValidFrom
    to: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Employment:
        if self.to is not None and self.to < self.valid_from:
            raise ValueError(f"employment ends ({self.to}) before it starts ({self.valid_from})")
        return self


class CostRate(CanonicalValue):
    """What an hour of the resource costs its employer, from a date on."""

    valid_from: ValidFrom
    rate: NonNegativeDecimalStr
    currency: CurrencyCode


class Resource(CanonicalModel):
    """A person who delivers work, with an employment history and dated cost rates."""

    SCHEMA_NAME: ClassVar[str] = "resource"

    id: Identifier
    name: str = Field(min_length=1)
    role: Identifier
    employment: list[Employment] = Field(default_factory=list)
    cost_rates: list[CostRate] = Field(default_factory=list)

    @model_validator(mode="after")
    def _employment_without_overlap(self) -> Resource:
        periods = sorted(self.employment, key=lambda e: e.valid_from)
        for earlier, later in pairwise(periods):
            if earlier.to is None or earlier.to >= later.valid_from:
                raise ValueError(
                    f"employment periods overlap: {earlier.entity} from {earlier.valid_from} "
                    f"and {later.entity} from {later.valid_from}; end the first one earlier"
                )
        return self
