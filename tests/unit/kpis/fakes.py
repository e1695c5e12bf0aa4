"""Fakes for the KPI read models: an in-memory billing book, no applied records, a clock
a test moves by hand, and an exception history."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from accord.application.billing import BillingBook, Slice
from accord.application.ports import BusinessObject, ExceptionRecord
from accord.domain.billing.documents import Document
from accord.domain.billing.ledger import IntercompanyCharge
from accord.domain.billing.state import BillingState
from accord.domain.contracts.model import Firm
from accord.domain.exceptions import ExceptionKind, ExceptionStatus, OwnerRole
from accord.domain.reconciliation import LeakageReport


class FakeBillingStore:
    """The whole book in memory: every slice it hands out is the whole book."""

    def __init__(self, book: BillingBook | None = None) -> None:
        self.book = book
        self.checkpoint = 0
        self.loads = 0

    def load(self, scope: Slice | None = None) -> tuple[BillingBook | None, int]:
        del scope
        self.loads += 1
        return self.book, self.checkpoint

    def last_checkpoint(self) -> int:
        return self.checkpoint

    def save(
        self, book: BillingBook, checkpoint: int | None, before: BillingBook | None = None
    ) -> None:
        del before
        self.book = book
        self.checkpoint = self.checkpoint if checkpoint is None else checkpoint

    def exclusive(self, names: Collection[str]) -> AbstractContextManager[None]:
        del names
        return nullcontext()

    def _state(self) -> BillingState:
        return self.book.state if self.book else BillingState(Firm(()), {}, {}, {})

    def holders(self, entries: Iterable[str]) -> dict[str, str]:
        held = self._state().time_entries
        return {e: c for c, items in held.items() for e in entries if e in items}

    def contracts_of(self, documents: Iterable[str]) -> dict[str, str]:
        known = self._state().ledger.documents
        return {n: known[n].contract for n in documents if n in known}

    def document(self, number: str) -> Document | None:
        return self._state().ledger.documents.get(number)

    def documents(self, status: str | None = None) -> list[Document]:
        every = self._state().ledger.documents.values()
        return [d for d in every if status is None or d.status.value == status]

    def entries_billed_on(self, number: str) -> list[str]:
        entries = self._state().ledger.entries.values()
        return sorted(e.entry for e in entries if e.invoice == number)

    def contract_ids(self) -> list[str]:
        return list(self._state().contracts)

    def signed(self) -> dict[str, date]:
        return dict(self._state().signed)

    def intercompany(self, contracts: Collection[str]) -> list[IntercompanyCharge]:
        return [c for c in self._state().ledger.intercompany if c.contract in contracts]


@dataclass
class FakeAppliedRecords:
    records: list[BusinessObject] = field(default_factory=list)

    def changed_since(self, seq: int, limit: int) -> list[BusinessObject]:
        return [r for r in self.records if r.applied_seq > seq][:limit]


@dataclass
class FakeClock:
    now: datetime = datetime(2026, 1, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class FakeReconciliation:
    """The KPIs never reconcile (answering would hide a wrong call); they read leakage,
    which finds nothing here."""

    def run(self, as_of: date | None = None) -> Any:
        raise AssertionError("the KPIs do not reconcile")

    def leakage(self, as_of: date | None = None, reported: object = ()) -> LeakageReport:
        return LeakageReport(as_of or date(2026, 1, 5), 30, ())


@dataclass
class FakeExceptionHistory:
    records: list[ExceptionRecord] = field(default_factory=list)

    def add(self, kind: ExceptionKind, subject: str, status: ExceptionStatus) -> None:
        self.records.append(
            ExceptionRecord(
                len(self.records) + 1,
                kind,
                OwnerRole.INTEGRATION,
                "high",
                subject,
                status,
                f"{kind} on {subject}",
                {},
                datetime(2026, 2, 2, tzinfo=UTC),
                datetime(2026, 2, 1, tzinfo=UTC),
            )
        )

    def __call__(self, kind: ExceptionKind) -> Sequence[ExceptionRecord]:
        return [r for r in self.records if r.kind is kind]


def kpi_sections(kpis: Mapping[str, Any]) -> dict[str, Any]:
    """The business KPI sections of a KPI document."""
    names = ("contract_activation", "invoice_cycle", "first_time_posting", "billed_vs_approved")
    return {name: kpis[name] for name in names}


@dataclass
class SeededReports:
    """Contract K1 (EUR, 150/h) signed on 2 Jan and active everywhere on 3 Jan 12:00;
    8 h + 4 h in January invoiced through 31 Jan (INV-DE01-000001, 1800.00) and
    confirmed posted on 1 Feb 05:00 after a rejected attempt; 3 h on 2 Feb not yet
    billed."""

    reports: Any
    billing: Any
    clock: FakeClock
    history: FakeExceptionHistory


def seeded_reports() -> SeededReports:
    from dataclasses import replace

    from accord.application.billing import BillingService
    from accord.application.reports import HubReports
    from accord.domain.billing.state import approve_time
    from tests.unit.billing.builders import JAN, entry, make_state

    state = approve_time(
        make_state(), [entry("E1", 5, "8"), entry("E2", 6, "4"), entry("E3", 2, "3", month=2)]
    )
    state = replace(state, signed={"K1": date(2026, 1, 2)})
    clock = FakeClock(datetime(2026, 1, 3, 12, tzinfo=UTC))
    billing = BillingService(
        FakeBillingStore(BillingBook(state)), FakeAppliedRecords(), clock=clock
    )
    billing.mark_activated("K1")
    (number,) = [d.number for d in billing.run_invoices(JAN).documents]
    clock.now = datetime(2026, 2, 1, 5, tzinfo=UTC)
    billing.mark_posted(number)
    history = FakeExceptionHistory()
    history.add(ExceptionKind.POSTING_REJECTED, number, ExceptionStatus.RESOLVED)
    history.add(ExceptionKind.SYSTEM_UNAVAILABLE, "K1", ExceptionStatus.RESOLVED)
    reports = HubReports(billing, FakeReconciliation(), clock, history)  # type: ignore[arg-type]
    return SeededReports(reports, billing, clock, history)


def _buckets(**counts: int) -> list[dict[str, Any]]:
    labels = ("under 1 h", "1 h to 1 d", "1 to 3 d", "3 to 7 d", "7 to 30 d", "30 d or more")
    keys = ("hour", "day", "three_days", "week", "month", "longer")
    return [{"bucket": lb, "count": counts.get(k, 0)} for lb, k in zip(labels, keys, strict=True)]


SEEDED_KPIS = {
    "contract_activation": {
        "measured": 1,
        "waiting": 0,
        "median_hours": "36.0",
        "p90_hours": "36.0",
        "max_hours": "36.0",
        "distribution": _buckets(three_days=1),
    },
    "invoice_cycle": {
        "measured": 1,
        "waiting": 0,
        "median_hours": "5.0",
        "p90_hours": "5.0",
        "max_hours": "5.0",
        "distribution": _buckets(day=1),
    },
    "first_time_posting": {"posted": 1, "first_time": 0, "retried": 1, "percent": "0.0"},
    "billed_vs_approved": [
        {
            "currency": "EUR",
            "approved": "2250.00",
            "billed": "1800.00",
            "unbilled": "450.00",
            "billed_percent": "80.0",
            "unvalued_entries": 0,
            "unbilled_time_overdue": "0.00",
            "unbilled_time_overdue_entries": 0,
        }
    ],
}
"""What `seeded_reports()` must report: every value worked out by hand."""
