"""Business KPIs of contract-to-cash, computed from facts the hub records.

- contract activation time: from the signing day to the end of the activation flow;
- invoice cycle time: from the end of the billed period to the ERP's posting confirmation;
- first-time posting accuracy: posted documents that never raised a posting exception;
- billed vs approved: the value of approved billable time and accepted milestones against
  what invoices and credit notes billed for them, by currency.

Everything here is pure: callers pass the billing state and the timestamps they recorded.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from statistics import median
from typing import Any, TypeVar

from accord.domain.billing.documents import Document, DocumentKind, DocumentStatus, LineKind
from accord.domain.billing.state import BillingState
from accord.domain.contracts.model import FixedFeeTerm, milestone_amounts
from accord.domain.money import round_to_currency
from accord.domain.reconciliation.leakage import LeakageReport, LeakageSource, standard_value
from accord.domain.reconciliation.unbilled import bills_by_the_hour

TENTH = Decimal("0.1")
HOURS_BUCKETS: tuple[tuple[Decimal | None, str], ...] = (
    (Decimal(1), "under 1 h"),
    (Decimal(24), "1 h to 1 d"),
    (Decimal(72), "1 to 3 d"),
    (Decimal(168), "3 to 7 d"),
    (Decimal(720), "7 to 30 d"),
    (None, "30 d or more"),
)
"""Upper bounds (exclusive, in hours) of the distribution shown for elapsed times."""

WORK_LINES = frozenset(
    {
        LineKind.TIME,
        LineKind.CORRECTION,
        LineKind.CAP_HOLD,
        LineKind.CAP_RELEASE,
        LineKind.MILESTONE,
    }
)
"""Lines that bill approved time and accepted milestones (net of corrections and caps)."""


def elapsed_hours(start: datetime, end: datetime) -> Decimal:
    """Hours from `start` to `end` to a tenth, never negative; naive times are UTC."""
    span = _aware(end) - _aware(start)
    seconds = Decimal(span.days * 86_400 + span.seconds)
    return max(Decimal(0), (seconds / 3_600).quantize(TENTH, rounding=ROUND_HALF_UP))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Timings:
    """Elapsed hours of every case measured, ascending, and the cases still under way."""

    hours: tuple[Decimal, ...]
    waiting: int = 0

    @property
    def measured(self) -> int:
        return len(self.hours)

    def median(self) -> Decimal | None:
        return Decimal(median(self.hours)) if self.hours else None

    def percentile(self, percent: int) -> Decimal | None:
        """The nearest-rank percentile: the smallest value with `percent`% at or below it."""
        if not self.hours:
            return None
        rank = (Decimal(percent) * len(self.hours) / 100).to_integral_value(ROUND_CEILING)
        return self.hours[max(int(rank), 1) - 1]

    def distribution(self) -> list[tuple[str, int]]:
        """How many cases fall in each of HOURS_BUCKETS, in bucket order."""
        counts = dict.fromkeys((label for _, label in HOURS_BUCKETS), 0)
        for hours in self.hours:
            label = next(lb for bound, lb in HOURS_BUCKETS if bound is None or hours < bound)
            counts[label] += 1
        return list(counts.items())

    def to_dict(self) -> dict[str, Any]:
        def shown(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "measured": self.measured,
            "waiting": self.waiting,
            "median_hours": shown(self.median()),
            "p90_hours": shown(self.percentile(90)),
            "max_hours": shown(self.hours[-1] if self.hours else None),
            "distribution": [{"bucket": b, "count": n} for b, n in self.distribution()],
        }


def activation_timings(signed: Mapping[str, date], activated: Mapping[str, datetime]) -> Timings:
    """From the start of the signing day (the CLM records the day, not the hour) to the
    end of the contract's activation flow; signed contracts not yet activated wait."""
    hours = [
        elapsed_hours(_start_of(day), activated[c]) for c, day in signed.items() if c in activated
    ]
    return Timings(tuple(sorted(hours)), sum(1 for c in signed if c not in activated))


def invoice_cycle_timings(
    documents: Iterable[Document], posted_at: Mapping[str, datetime]
) -> Timings:
    """Invoices and credit notes, from the end of the period they bill (the end of their
    issue day: the invoice run's through date) to the ERP's confirmation of the posting.

    Documents still `issued` wait; prepayments bill no period and are left out, as are
    documents posted before posting times were recorded."""
    hours: list[Decimal] = []
    waiting = 0
    for document in documents:
        if document.kind is DocumentKind.PREPAYMENT:
            continue
        if document.status is DocumentStatus.ISSUED:
            waiting += 1
        elif document.number in posted_at:
            period_end = _start_of(document.issue_date + timedelta(days=1))
            hours.append(elapsed_hours(period_end, posted_at[document.number]))
    return Timings(tuple(sorted(hours)), waiting)


@dataclass(frozen=True, slots=True)
class FirstTimePosting:
    """Posted documents, and how many of them needed more than one attempt."""

    posted: int
    retried: int

    @property
    def first_time(self) -> int:
        return self.posted - self.retried

    def percent(self) -> Decimal | None:
        if not self.posted:
            return None
        share = Decimal(self.first_time) * 100 / self.posted
        return share.quantize(TENTH, rounding=ROUND_HALF_UP)

    def to_dict(self) -> dict[str, Any]:
        percent = self.percent()
        return {
            "posted": self.posted,
            "first_time": self.first_time,
            "retried": self.retried,
            "percent": None if percent is None else str(percent),
        }


def first_time_posting(documents: Iterable[Document], troubled: Iterable[str]) -> FirstTimePosting:
    """Documents past `issued`, and those among them named by a posting exception
    (`troubled`: the subjects and blocked keys of posting_rejected / system_unavailable)."""
    posted = {d.number for d in documents if d.status is not DocumentStatus.ISSUED}
    return FirstTimePosting(len(posted), len(posted & set(troubled)))


@dataclass(frozen=True, slots=True)
class BilledVsApproved:
    """Approved work's value against what was billed for it, in one currency.

    `unvalued_entries` counts approved billable hours no rate applies to (left out of
    `approved`): a rate card to fix, not value to ignore. `overdue` and `overdue_entries`
    are the part of `unbilled` time the leakage report lists (unbilled past its grace),
    the same entries reconciliation reports as `unbilled_time`."""

    currency: str
    approved: Decimal
    billed: Decimal
    unvalued_entries: int = 0
    overdue: Decimal = Decimal(0)
    overdue_entries: int = 0

    @property
    def unbilled(self) -> Decimal:
        return self.approved - self.billed

    def billed_percent(self) -> Decimal | None:
        if self.approved <= 0:
            return None
        return (self.billed * 100 / self.approved).quantize(TENTH, rounding=ROUND_HALF_UP)

    def to_dict(self) -> dict[str, Any]:
        percent = self.billed_percent()
        return {
            "currency": self.currency,
            "approved": str(round_to_currency(self.approved, self.currency)),
            "billed": str(round_to_currency(self.billed, self.currency)),
            "unbilled": str(round_to_currency(self.unbilled, self.currency)),
            "billed_percent": None if percent is None else str(percent),
            "unvalued_entries": self.unvalued_entries,
            "unbilled_time_overdue": str(round_to_currency(self.overdue, self.currency)),
            "unbilled_time_overdue_entries": self.overdue_entries,
        }


@dataclass(frozen=True, slots=True)
class ApprovedWork:
    """Approved work's value by currency: billable time on time-and-materials terms at
    the rate on its work date, the entries no rate values, and accepted milestones. Each
    contract's adds to the others', so it may be gathered a chunk of contracts at a time."""

    time: Mapping[str, Decimal] = field(default_factory=dict)
    unvalued: Mapping[str, int] = field(default_factory=dict)
    milestones: Mapping[str, Decimal] = field(default_factory=dict)

    def __add__(self, other: ApprovedWork) -> ApprovedWork:
        return ApprovedWork(
            _sum(self.time, other.time),
            _sum(self.unvalued, other.unvalued),
            _sum(self.milestones, other.milestones),
        )


_N = TypeVar("_N", int, Decimal)


def _sum(left: Mapping[str, _N], right: Mapping[str, _N]) -> dict[str, _N]:
    total = dict(left)
    for currency, value in right.items():
        total[currency] = total[currency] + value if currency in total else value
    return total


def approved_work(state: BillingState) -> ApprovedWork:
    """The approved work of the contracts `state` holds."""
    time, unvalued = _approved_time(state)
    return ApprovedWork(time, unvalued, _accepted_milestones(state))


def _approved_time(state: BillingState) -> tuple[dict[str, Decimal], dict[str, int]]:
    """Billable hours on time-and-materials terms at the rate on their work date."""
    values: dict[str, Decimal] = {}
    unvalued: dict[str, int] = {}
    for contract_id, entries in state.time_entries.items():
        contract = state.contracts.get(contract_id)
        if contract is None:
            continue
        currency = contract.currency
        for entry in entries.values():
            if not bills_by_the_hour(contract, entry.term, entry.billable):
                continue
            value = standard_value(state, contract, entry)
            if value is None:
                unvalued[currency] = unvalued.get(currency, 0) + 1
            else:
                values[currency] = values.get(currency, Decimal(0)) + value
    return values, unvalued


def _accepted_milestones(state: BillingState) -> dict[str, Decimal]:
    values: dict[str, Decimal] = {}
    for (contract_id, term_id, milestone), progress in state.milestones.items():
        contract = state.contracts.get(contract_id)
        if contract is None or not progress.accepted:
            continue
        term = next((t for t in contract.terms if t.id == term_id), None)
        if isinstance(term, FixedFeeTerm):
            amount = milestone_amounts(term, contract.currency).get(milestone, Decimal(0))
            values[contract.currency] = values.get(contract.currency, Decimal(0)) + amount
    return values


def _billed_work(documents: Iterable[Document]) -> dict[str, Decimal]:
    billed: dict[str, Decimal] = {}
    for document in documents:
        if document.kind is DocumentKind.PREPAYMENT:
            continue
        net = sum((ln.net for ln in document.lines if ln.kind in WORK_LINES), Decimal(0))
        billed[document.currency] = billed.get(document.currency, Decimal(0)) + net
    return billed


def _overdue_time(
    leakage: LeakageReport | None, held: Collection[str]
) -> tuple[dict[str, Decimal], dict[str, int], dict[str, Decimal]]:
    """Leakage's unbilled time per currency: its value, its entries, and the value of the
    entries only reconciliation knows (approved in the PSA, not `held` by the hub)."""
    value: dict[str, Decimal] = {}
    count: dict[str, int] = {}
    unknown: dict[str, Decimal] = {}
    for item in () if leakage is None else leakage.items:
        if item.source is not LeakageSource.UNBILLED_TIME:
            continue
        amount = item.amount or Decimal(0)
        value[item.currency] = value.get(item.currency, Decimal(0)) + amount
        count[item.currency] = count.get(item.currency, 0) + 1
        if item.key not in held:
            unknown[item.currency] = unknown.get(item.currency, Decimal(0)) + amount
    return value, count, unknown


def billed_vs_approved(
    state: BillingState, leakage: LeakageReport | None = None
) -> list[BilledVsApproved]:
    """Per currency: approved billable time (valued as leakage values it) plus accepted
    milestones, against the work lines of every invoice and credit note (time, corrections,
    cap holds and releases, milestones). Expenses and retainer prepayments are not work.

    With the `leakage` report of the same state, approved time the hub does not hold but
    reconciliation found in the PSA counts as approved, and each row carries the overdue
    unbilled time leakage lists, so the three reports agree."""
    held = {entry for entries in state.time_entries.values() for entry in entries}
    return billed_vs_approved_of(
        approved_work(state), state.ledger.documents.values(), leakage, held
    )


def billed_vs_approved_of(
    approved: ApprovedWork,
    documents: Iterable[Document],
    leakage: LeakageReport | None,
    held: Collection[str],
) -> list[BilledVsApproved]:
    """`billed_vs_approved` of approved work gathered already, every document, and
    `held`: the time entries of leakage's the hub holds (among them, at least)."""
    time_values, unvalued, milestones = approved.time, approved.unvalued, approved.milestones
    billed = _billed_work(documents)
    overdue, overdue_count, unknown = _overdue_time(leakage, held)
    currencies = sorted(
        set(time_values) | set(milestones) | set(billed) | set(unvalued) | set(overdue)
    )
    return [
        BilledVsApproved(
            currency,
            time_values.get(currency, Decimal(0))
            + milestones.get(currency, Decimal(0))
            + unknown.get(currency, Decimal(0)),
            billed.get(currency, Decimal(0)),
            unvalued.get(currency, 0),
            overdue.get(currency, Decimal(0)),
            overdue_count.get(currency, 0),
        )
        for currency in currencies
    ]
