"""Fakes for posting journals: an ERP general ledger and an exception queue in memory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from accord.application.ports import ExceptionRecord
from accord.canonical.v1.finance import LedgerPosting
from accord.connectors.sdk import RejectedError
from accord.domain.billing.state import BillingState
from accord.domain.exceptions import BusinessException, ExceptionKind, ExceptionStatus


@dataclass(frozen=True)
class FakeMove:
    external_id: str
    number: str
    status: str
    posting: LedgerPosting


@dataclass
class FakeJournalPosting:
    """A ledger keyed by the entry id; `closed` months (YYYY-MM) refuse a posting dated
    in them, as an ERP's closed period does."""

    closed: set[str] = field(default_factory=set)
    moves: dict[str, FakeMove] = field(default_factory=dict)
    calls: int = 0

    def post_journal(self, posting: LedgerPosting) -> FakeMove:
        self.calls += 1
        if posting.document_number in self.moves:
            return self.moves[posting.document_number]
        if posting.posting_date.strftime("%Y-%m") in self.closed:
            raise RejectedError(422, "", reason=f"period {posting.posting_date:%Y-%m} is closed")
        move = FakeMove(str(len(self.moves) + 1), f"MV{len(self.moves) + 1}", "posted", posting)
        self.moves[posting.document_number] = move
        return move

    def posted_journals(self, document_numbers: Sequence[str]) -> Mapping[str, FakeMove]:
        return {n: self.moves[n] for n in document_numbers if n in self.moves}


@dataclass
class FakeExceptions:
    """Open exceptions by (kind, subject), as `ExceptionService.open` keeps them."""

    records: dict[tuple[ExceptionKind, str], ExceptionRecord] = field(default_factory=dict)

    def open(self, exception: BusinessException, details: Mapping[str, Any] | None = None) -> int:
        key = (exception.kind, exception.subject)
        if key not in self.records:
            now = datetime(2026, 3, 1, tzinfo=UTC)
            self.records[key] = ExceptionRecord(
                len(self.records) + 1, exception.kind, exception.owner, "high",
                exception.subject, ExceptionStatus.OPEN, exception.message, dict(details or {}),
                now + timedelta(days=1), now,
            )  # fmt: skip
        return self.records[key].id

    def close(self, kind: ExceptionKind, subject: str, note: str) -> bool:
        return self.records.pop((kind, subject), None) is not None

    def open_records(
        self, owner: Any = None, kind: ExceptionKind | None = None
    ) -> list[ExceptionRecord]:
        return [r for (k, _), r in self.records.items() if kind is None or k == kind]


class FakeBook:
    """A billing state a test can change between postings."""

    def __init__(self, state: BillingState) -> None:
        self.current = state

    def state(self) -> BillingState:
        return self.current

    def by_contracts(self) -> list[BillingState]:
        return [self.current]

    def firm_state(self) -> BillingState:
        return self.current
