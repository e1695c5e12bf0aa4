"""Money: a Decimal amount in an ISO 4217 currency, rounded to the currency's minor units.

Every amount in Accord is a `Money` or a bare `Decimal` on its way to becoming one; float
never appears. Rounding is ROUND_HALF_UP to the currency's minor units (EN 16931 practice).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MINOR_UNITS: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "INR": 2,
    "AUD": 2,
    "CAD": 2,
    "SGD": 2,
    "NZD": 2,
    "HKD": 2,
    "CZK": 2,
    "HUF": 2,
    "ZAR": 2,
    "BRL": 2,
    "MXN": 2,
    "CNY": 2,
    "AED": 2,
    "SAR": 2,
    "ILS": 2,
    "RON": 2,
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "KWD": 3,
    "BHD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


class UnknownCurrency(ValueError):
    """A currency code Accord has no ISO 4217 minor-unit definition for."""


def minor_units(currency: str) -> int:
    """Number of decimals the currency's smallest unit has (JPY 0, EUR 2, KWD 3)."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrency(
            f"unknown currency {currency!r}: use an ISO 4217 code such as EUR, USD or JPY"
        ) from None


def quantum(currency: str) -> Decimal:
    """The smallest representable step of the currency, e.g. Decimal('0.01')."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_to_currency(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor units."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Parse a decimal given as a string or int; floats are refused on purpose."""
    if isinstance(value, float):
        raise TypeError("money must not be given as float; pass a string such as '150.00'")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite decimal number")
    return result


@dataclass(frozen=True, slots=True)
class Money:
    """An amount rounded to its currency's minor units.

    Arithmetic between different currencies raises: converting needs an FX rate and a
    date, which is a business decision, never an implicit one.
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise TypeError("Money amount must be a Decimal, not float")
        object.__setattr__(self, "amount", round_to_currency(Decimal(self.amount), self.currency))

    @classmethod
    def of(cls, value: str | int | Decimal, currency: str) -> Money:
        return cls(to_decimal(value), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency} amounts")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def times(self, factor: Decimal) -> Money:
        """Multiply by an exact factor and round once, half up."""
        return Money(self.amount * factor, self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def format(self) -> str:
        """The amount with exactly the currency's minor units ('1500.00'; JPY '1500')."""
        return f"{self.amount:.{minor_units(self.currency)}f}"

    def __str__(self) -> str:
        return f"{self.format()} {self.currency}"


def allocate(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split a rounded `total` in proportion to `weights` into amounts of the currency
    that sum to `total` exactly (largest remainder: the leftover minor units go to the
    shares that lost most to rounding, earlier shares first on a tie)."""
    whole = sum(weights, Decimal(0))
    if not weights:
        return []
    if whole == 0:
        return [total] + [Decimal(0)] * (len(weights) - 1)
    step = quantum(currency)
    sign = Decimal(-1) if total < 0 else Decimal(1)
    exact = [abs(total) * w / whole for w in weights]
    shares = [(e / step).to_integral_value(rounding="ROUND_FLOOR") * step for e in exact]
    left = int((abs(total) - sum(shares, Decimal(0))) / step)
    by_loss = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in by_loss[:left]:
        shares[index] += step
    return [sign * s for s in shares]
