"""The firm's finance configuration: legal entities, FX rates and tax rules.

It is the `firm:` section of a scenario file and, for a live hub, a YAML file of the same
shape (`accord up --firm FILE`). Entities reach the hub as canonical LegalEntity records
through the event log; FX rates and tax rules configure billing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from accord.canonical.base import CountryCode, CurrencyCode, NonNegativeDecimalStr
from accord.canonical.v1 import LegalEntity


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FxRate(_Strict):
    """1 unit of `from` = `rate` units of `to`, valid from `date` until the next one."""

    date: dt.date
    from_: CurrencyCode = Field(alias="from")
    to: CurrencyCode
    rate: NonNegativeDecimalStr


class TaxRule(_Strict):
    """The tax category and rate an entity applies to customers of a country."""

    entity: str
    customer_country: CountryCode
    category: Literal["S", "Z", "E", "AE", "K", "G", "O"]
    rate: NonNegativeDecimalStr


class FirmConfig(_Strict):
    entities: list[LegalEntity] = Field(min_length=1)
    fx: list[FxRate] = Field(default_factory=list)
    tax: list[TaxRule] = Field(default_factory=list)
    send_einvoices: bool = Field(
        default=False,
        description="documents go out as EN 16931 e-invoices: each is validated before it "
        "is posted anywhere, and one that breaks a rule waits as an einvoice_invalid exception",
    )


class FirmConfigError(ValueError):
    """The firm configuration file is missing or does not follow the format."""


def load_firm_config(path: Path) -> FirmConfig:
    """Read and validate a firm configuration YAML file (`entities`, `fx`, `tax`)."""
    if not path.is_file():
        raise FirmConfigError(f"{path}: no such firm configuration file")
    try:
        return FirmConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as error:
        raise FirmConfigError(f"{path} is not a valid firm configuration:\n{error}") from None
