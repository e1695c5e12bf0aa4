"""KPIs per month: the effort the exception queue costs, and how fast backlog is billed.

- reconciliation effort: exceptions opened and closed in each month, and the median
  time from opening to closing of those closed in it;
- backlog-to-billing conversion: approved billable time not yet billed when the month
  began (valued at the rate on its work date, as leakage values it), against what the
  month's documents billed of it and billed in all;
- disputes: the month's invoices that a credit note has reduced since (a customer's
  dispute of an invoice settles as a credit note), by count and by amount.

Pure: callers pass the exceptions' times and the billing state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import Any

from accord.domain.billing.documents import Document, DocumentKind
from accord.domain.billing.state import BillingState
from accord.domain.calendar import Period
from accord.domain.kpis import TENTH, WORK_LINES, elapsed_hours
from accord.domain.money import round_to_currency
from accord.domain.reconciliation.leakage import standard_value
from accord.domain.reconciliation.unbilled import bills_by_the_hour


def recent_periods(today: date, months: int) -> list[Period]:
    """The last `months` months through the one holding `today`, oldest first."""
    periods = [Period.of(today)]
    while len(periods) < months:
        periods.insert(0, periods[0].previous())
    return periods


@dataclass(frozen=True, slots=True)
class QueueEffort:
    """One month of the exception queue: opened, closed, and how long closing took."""

    period: Period
    opened: int
    closed: int
    median_hours_to_resolve: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        hours = self.median_hours_to_resolve
        return {
            "period": str(self.period),
            "opened": self.opened,
            "closed": self.closed,
            "median_hours_to_resolve": None if hours is None else str(hours),
        }


def queue_effort(
    exceptions: Iterable[tuple[datetime, datetime | None]], periods: Iterable[Period]
) -> list[QueueEffort]:
    """Per period: exceptions opened in it, closed (resolved or skipped) in it, and the
    median hours from opening to closing of those closed in it. `exceptions` are
    (created at, closed at or None) pairs."""
    times = list(exceptions)
    rows = []
    for period in periods:
        opened = sum(1 for created, _ in times if period.contains(created.date()))
        spans = [
            elapsed_hours(created, closed)
            for created, closed in times
            if closed is not None and period.contains(closed.date())
        ]
        middle = median(spans).quantize(TENTH, rounding=ROUND_HALF_UP) if spans else None
        rows.append(QueueEffort(period, opened, len(spans), middle))
    return rows


@dataclass(frozen=True, slots=True)
class BacklogConversion:
    """One month and currency: the unbilled backlog it began with and what it billed."""

    period: Period
    currency: str
    backlog_at_start: Decimal
    backlog_billed: Decimal
    billed_in_period: Decimal

    def conversion_percent(self) -> Decimal | None:
        if self.backlog_at_start <= 0:
            return None
        share = self.backlog_billed * 100 / self.backlog_at_start
        return share.quantize(TENTH, rounding=ROUND_HALF_UP)

    def to_dict(self) -> dict[str, Any]:
        percent = self.conversion_percent()
        return {
            "period": str(self.period),
            "currency": self.currency,
            "backlog_at_start": str(round_to_currency(self.backlog_at_start, self.currency)),
            "backlog_billed": str(round_to_currency(self.backlog_billed, self.currency)),
            "billed_in_period": str(round_to_currency(self.billed_in_period, self.currency)),
            "conversion_percent": None if percent is None else str(percent),
        }


ValuedHour = tuple[str, date, Decimal, date | None]
"""(currency, work date, value, issue date of the document billing it or None)."""


def valued_hours(state: BillingState) -> list[ValuedHour]:
    """Every approved billable hour on time-and-materials terms a rate values, of the
    contracts `state` holds (with the documents that bill them): each contract's stand
    beside the others', so they may be gathered a chunk of contracts at a time."""
    issued = {number: doc.issue_date for number, doc in state.ledger.documents.items()}
    found = []
    for contract_id, entries in state.time_entries.items():
        contract = state.contracts.get(contract_id)
        if contract is None:
            continue
        for entry_id, entry in entries.items():
            if not bills_by_the_hour(contract, entry.term, entry.billable):
                continue
            value = standard_value(state, contract, entry)
            billed = state.ledger.entries.get(entry_id)
            on = None if billed is None else issued.get(billed.invoice)
            if value is not None:
                found.append((contract.currency, entry.work_date, value, on))
    return found


def _billed_in(documents: Iterable[Document], period: Period) -> dict[str, Decimal]:
    billed: dict[str, Decimal] = {}
    for document in documents:
        if document.kind is DocumentKind.PREPAYMENT or not period.contains(document.issue_date):
            continue
        net = sum((ln.net for ln in document.lines if ln.kind in WORK_LINES), Decimal(0))
        billed[document.currency] = billed.get(document.currency, Decimal(0)) + net
    return billed


def backlog_conversion(state: BillingState, periods: Iterable[Period]) -> list[BacklogConversion]:
    """Per period and currency: approved time worked before the period and not billed
    by a document issued before it (the backlog), the part of it a document issued in the
    period billed, and every work line the period's documents billed."""
    return backlog_conversion_of(valued_hours(state), state.ledger.documents.values(), periods)


def backlog_conversion_of(
    hours: Sequence[ValuedHour], issued: Iterable[Document], periods: Iterable[Period]
) -> list[BacklogConversion]:
    """`backlog_conversion` of the valued hours gathered already and every document."""
    documents = list(issued)
    rows = []
    for period in periods:
        start = period.first_day
        backlog: dict[str, Decimal] = {}
        converted: dict[str, Decimal] = {}
        for currency, worked, value, on in hours:
            if worked >= start or (on is not None and on < start):
                continue
            backlog[currency] = backlog.get(currency, Decimal(0)) + value
            if on is not None and period.contains(on):
                converted[currency] = converted.get(currency, Decimal(0)) + value
        billed = _billed_in(documents, period)
        for currency in sorted(set(backlog) | set(billed)):
            rows.append(
                BacklogConversion(
                    period,
                    currency,
                    backlog.get(currency, Decimal(0)),
                    converted.get(currency, Decimal(0)),
                    billed.get(currency, Decimal(0)),
                )
            )
    return rows


@dataclass(frozen=True, slots=True)
class Disputes:
    """One month and currency: the invoices issued in it and those credited since."""

    period: Period
    currency: str
    invoices: int
    disputed: int
    invoiced: Decimal
    credited: Decimal

    def disputed_percent(self) -> Decimal | None:
        if self.invoices == 0:
            return None
        return (Decimal(self.disputed) * 100 / self.invoices).quantize(
            TENTH, rounding=ROUND_HALF_UP
        )

    def to_dict(self) -> dict[str, Any]:
        percent = self.disputed_percent()
        return {
            "period": str(self.period),
            "currency": self.currency,
            "invoices": self.invoices,
            "disputed": self.disputed,
            "invoiced": str(round_to_currency(self.invoiced, self.currency)),
            "credited": str(round_to_currency(self.credited, self.currency)),
            "disputed_percent": None if percent is None else str(percent),
        }


def disputes(documents: Iterable[Document], periods: Iterable[Period]) -> list[Disputes]:
    """Per period and currency: invoices issued in the period (gross), and those a credit
    note reduced since, with what was credited on them. Prepayments and credit notes are
    not invoices a customer disputes."""
    invoices = [d for d in documents if d.kind is DocumentKind.INVOICE]
    rows = []
    for period in periods:
        issued = [d for d in invoices if period.contains(d.issue_date)]
        for currency in sorted({d.currency for d in issued}):
            mine = [d for d in issued if d.currency == currency]
            credited = [d for d in mine if d.credited > 0]
            rows.append(
                Disputes(
                    period,
                    currency,
                    len(mine),
                    len(credited),
                    sum((d.gross_total for d in mine), Decimal(0)),
                    sum((d.credited for d in credited), Decimal(0)),
                )
            )
    return rows
