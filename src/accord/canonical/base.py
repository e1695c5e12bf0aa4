"""The base of every canonical boundary record: strict, immutable, explicitly versioned.

Canonical models are what connectors produce and what events carry. They are strict on
purpose (unknown fields are an error, floats are refused for money) so that a mapping
mistake in a connector fails loudly at the boundary instead of leaking into billing.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
NON_NEGATIVE_DECIMAL_PATTERN = r"^[0-9]+(\.[0-9]+)?$"
_DECIMAL_RE = re.compile(DECIMAL_PATTERN)


def _parse_decimal(value: Any) -> Any:
    """Accept a decimal string, an int or a Decimal; refuse floats and exponent notation."""
    if isinstance(value, bool | float):
        raise ValueError("give decimals as strings such as '150.00', never as float or bool")
    if isinstance(value, str):
        if not _DECIMAL_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not a plain decimal such as '150.00' or '-2.5'")
        return Decimal(value)
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{value} is not a finite decimal")
    return value


def _format_decimal(value: Decimal) -> str:
    """Fixed-point text (never '1E+2'), so the wire value always matches the pattern."""
    return format(value, "f")


DecimalStr = Annotated[
    Decimal,
    BeforeValidator(_parse_decimal),
    PlainSerializer(_format_decimal, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN}),
]
"""A Decimal that travels as a JSON string holding a plain decimal ("150.00")."""

CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]
Identifier = Annotated[str, Field(min_length=1, max_length=200)]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
NonNegativeDecimalStr = Annotated[
    Decimal,
    BeforeValidator(_parse_decimal),
    PlainSerializer(_format_decimal, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": NON_NEGATIVE_DECIMAL_PATTERN}),
    Field(ge=0),
]
"""A DecimalStr that must not be negative (hours, rates, fees, percentages)."""

ValidFrom = Annotated[date, Field(alias="from", description="first day this value applies")]

_MIN_TIME = "0000-00-00T00:00:00.000000Z"


class CanonicalValue(BaseModel):
    """A nested value object inside a canonical record (a line, a rate, a period)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


class CanonicalModel(CanonicalValue):
    """A versioned canonical record: the unit connectors emit and events carry.

    `SCHEMA_NAME` and `SCHEMA_VERSION` name the committed JSON Schema
    (`schemas/<name>/v<version>.json`). `updated_at` and `version` let ingest detect a
    stale, out-of-order update: a source fills whichever it has (or both).
    """

    SCHEMA_NAME: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1

    updated_at: AwareDatetime | None = Field(
        default=None, description="when the source last changed the record"
    )
    version: int = Field(
        default=1, ge=1, description="the source's revision counter, when it has one"
    )

    def to_json(self) -> str:
        """The record's canonical JSON, as events carry it and the event log keeps it:
        every field but the empty ones (None), which validating it again restores."""
        return self.model_dump_json(exclude_none=True)

    def business_key(self) -> str:
        """The key this record is known by across systems (its id unless overridden)."""
        key = getattr(self, "id", None)
        if not isinstance(key, str):
            raise TypeError(f"{type(self).__name__} must override business_key()")
        return key

    def business_version(self) -> str:
        """A token that sorts like the record's revisions: a larger token is newer.

        `updated_at` (in UTC, fixed width) decides first, `version` (zero padded) breaks
        ties, so a source that only sends one of them still orders correctly.
        """
        if self.updated_at is None:
            stamp = _MIN_TIME
        else:
            utc = self.updated_at.astimezone(UTC).replace(tzinfo=None)
            stamp = utc.isoformat(timespec="microseconds") + "Z"
        return f"{stamp}#{self.version:012d}"


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)
