"""A pulled record is decoded once: validated by its connector, never parsed back at ingest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from accord.application.inbound_sync import InboundSync, SourceStream, event_for
from accord.application.ingest import IngestService
from accord.application.ports import InboundEvent
from accord.canonical import v1

ORIGIN = "/psa/approved_time"


def _entry(number: int) -> v1.TimeEntry:
    return v1.TimeEntry(
        id=f"TE-{number}",
        contract="K1",
        term="TM",
        resource="R1",
        date=date(2026, 3, 2),
        hours=Decimal("7.50"),
        updated_at=datetime(2026, 3, 2, 18, number, tzinfo=UTC),
    )


@dataclass
class _Events:
    appended: list[InboundEvent] = field(default_factory=list)

    def append(self, events: Sequence[InboundEvent]) -> int:
        self.appended.extend(events)
        return len(events)

    def append_quarantined(self, events: Sequence[InboundEvent]) -> list[InboundEvent]:
        return list(events)


class _UnitOfWork:
    def __init__(self, events: _Events) -> None:
        self.events = events

    def __enter__(self) -> _UnitOfWork:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def commit(self) -> None:
        return None


class _CountingIngest(IngestService):
    """Counts the raw events it decodes and validates (`parse`, its one decoding seam)."""

    parsed = 0

    def parse(self, raw: bytes | str) -> InboundEvent:
        self.parsed += 1
        return super().parse(raw)


@dataclass
class _Page:
    records: Sequence[v1.TimeEntry]
    next_cursor: str | None = "end"
    has_more: bool = False
    rejected: Sequence[Any] = ()


class _Stream:
    name = "approved_time"

    def __init__(self, records: Sequence[v1.TimeEntry]) -> None:
        self._records = records

    def read(self, cursor: Any, limit: int) -> _Page:
        return _Page(self._records)


class _Cursors:
    def get(self, connector: str, stream: str) -> str | None:
        return None

    def put(self, connector: str, stream: str, cursor: str) -> None:
        return None


def test_pulled_records_are_logged_without_being_parsed_again() -> None:
    records = [_entry(n) for n in range(3)]
    events = _Events()
    ingest = _CountingIngest(lambda: _UnitOfWork(events))  # type: ignore[arg-type, return-value]
    sync = InboundSync([SourceStream("psa", _Stream(records))], _Cursors(), ingest)

    report = sync.pull()

    assert report.accepted == 3
    assert ingest.parsed == 0
    # What was logged is exactly what decoding its own JSON would have logged.
    assert [e.payload for e in events.appended] != []
    assert events.appended == [IngestService.parse(ingest, e.payload) for e in events.appended]
    assert [e.event_id for e in events.appended] == [
        IngestService.parse(ingest, event_for(r, ORIGIN)).event_id for r in records
    ]
