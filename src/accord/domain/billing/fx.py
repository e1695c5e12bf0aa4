"""FX conversion: the latest quote dated on or before the transaction date.

The inverse of a listed pair may be used (1 / rate, kept at 10 decimals); anything else
is a `missing_fx_rate` business exception, never a guess.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from accord.domain.billing.errors import BlockedByException
from accord.domain.contracts.model import FxQuote
from accord.domain.exceptions import BusinessException, ExceptionKind

INVERSE_QUANTUM = Decimal("1E-10")


class FxTable:
    """Quotes indexed by currency pair, each pair sorted by date."""

    def __init__(self, quotes: Iterable[FxQuote]) -> None:
        pairs: dict[tuple[str, str], list[FxQuote]] = {}
        for quote in quotes:
            pairs.setdefault((quote.source, quote.target), []).append(quote)
        self._pairs = {pair: sorted(qs, key=lambda q: q.valid_from) for pair, qs in pairs.items()}
        self._dates = {pair: [q.valid_from for q in qs] for pair, qs in self._pairs.items()}

    def _direct(self, source: str, target: str, day: date) -> Decimal | None:
        dates = self._dates.get((source, target))
        if not dates:
            return None
        index = bisect_right(dates, day)
        return self._pairs[(source, target)][index - 1].rate if index else None

    def rate(self, source: str, target: str, day: date, subject: str) -> Decimal:
        """Units of `target` for one `source` on `day`; raises when no usable quote exists."""
        if source == target:
            return Decimal(1)
        direct = self._direct(source, target, day)
        if direct is not None:
            return direct
        inverse = self._direct(target, source, day)
        if inverse is not None and inverse != 0:
            return (Decimal(1) / inverse).quantize(INVERSE_QUANTUM)
        raise BlockedByException(
            BusinessException(
                ExceptionKind.MISSING_FX_RATE,
                subject,
                f"no FX rate {source}->{target} (or its inverse) on or before {day}: "
                f"add a quote to the firm's FX table, then retry",
            )
        )
