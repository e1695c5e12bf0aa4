"""Accounting periods (calendar months) and date helpers used across the domain."""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A calendar month, the grain of accounting periods and revenue reporting."""

    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a period; write it as YYYY-MM, e.g. 2026-01")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, _calendar.monthrange(self.year, self.month)[1])

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Period:
        return Period(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def contains(self, day: date) -> bool:
        return (day.year, day.month) == (self.year, self.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def month_ends_due(last_billed: date | None, today: date) -> list[date]:
    """The month ends to invoice through, oldest first: every month closed since the one
    `last_billed` falls in (the month before `today` when nothing was billed yet); the
    month `today` falls in is still open."""
    current = Period.of(today)
    period = Period.of(last_billed).next() if last_billed else current.previous()
    due = []
    while period < current:
        due.append(period.last_day)
        period = period.next()
    return due
