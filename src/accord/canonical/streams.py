"""What an inbound feed hands the hub: pages of canonical records read after a cursor.

A connector implements `Stream` (the SDK offers these names to connectors) and the hub's
inbound sync reads it. Both sides need the same shapes and neither may import the other,
so they are defined once here, at the boundary below both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NewType, Protocol, TypeVar, runtime_checkable

Cursor = NewType("Cursor", str)
"""An opaque position in a stream, a string the hub stores as is and hands back."""

RecordT = TypeVar("RecordT", covariant=True)


@dataclass(frozen=True)
class RejectedRecord:
    """A source record that could not become a canonical record, kept for the exception queue.

    `id` is stable for the same record in the same source (file, checksum and line; table
    and key and cursor value), so re-reading it after a crash is a duplicate the hub
    ignores. `kind` is the canonical record it was meant to become (`time_entry`),
    `payload` the record as the source had it, and `reason` names where it is (file and
    line, or table and key), the field and the rule it broke, so a person can fix it.
    """

    id: str
    kind: str
    payload: Mapping[str, Any]
    reason: str


@dataclass(frozen=True)
class Page(Generic[RecordT]):
    """One read of a stream: the records, where to continue, and whether more is waiting.

    `next_cursor` is the position after the last record; the hub stores it once the records
    are ingested. `has_more` says the stream had more than `limit` records ready, so the hub
    reads again at once instead of waiting for the next poll. `rejected` holds the source
    records of this page that failed their mapping: the hub quarantines each one and raises
    an exception naming it, while the good records proceed.
    """

    records: Sequence[RecordT]
    next_cursor: Cursor | None
    has_more: bool
    rejected: Sequence[RejectedRecord] = ()


@runtime_checkable
class Stream(Protocol):
    """An incremental, resumable feed of records (canonical models) from one system."""

    @property
    def name(self) -> str: ...

    def read(self, cursor: Cursor | None, limit: int) -> Page[Any]:
        """Up to `limit` records after `cursor` (None = from the beginning)."""
        ...
