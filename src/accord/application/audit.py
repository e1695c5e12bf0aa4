"""The audit trail: who changed what, when, before and after, in a hash-chained log.

Each row's hash covers the previous row's hash, its own fields and the SHA-256 digests of
its before/after documents. Retention may later erase the documents of old rows (personal
data) but keeps their digests, so the chain still verifies after a purge, while changing,
inserting or deleting any row breaks it at that row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from accord.application.clock import WallClock, wall_clock
from accord.application.unit_of_work import Transaction, each_on_its_own

GENESIS = "0" * 64
"""The `previous_hash` of the first row."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change, as the use case that made it describes it."""

    actor: str
    action: str
    subject: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    correlation_id: str


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A stored row; `before`/`after` are None once purged (their digests remain)."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    correlation_id: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    before_digest: str
    after_digest: str
    previous_hash: str
    hash: str
    purged_at: datetime | None = None


class AuditLog(Protocol):
    def append(self, entry: AuditEntry, at: datetime) -> AuditRecord:
        """Append under a lock on the chain head, so concurrent writers never fork it."""

    def records(self, after_seq: int = 0, limit: int | None = None) -> list[AuditRecord]: ...

    def head(self) -> tuple[int, str]:
        """The (seq, hash) of the last row, as the head pointer records it."""


def canonical_json(document: Mapping[str, Any] | None) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)


def _plain(document: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The document as the store will hand it back (JSON types only), so the digest
    taken now matches the one recomputed from the stored row."""
    return None if document is None else dict(json.loads(canonical_json(document)))


def digest(document: Mapping[str, Any] | None) -> str:
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def row_hash(
    previous_hash: str,
    seq: int,
    at: datetime,
    entry: AuditEntry,
    before_digest: str,
    after_digest: str,
) -> str:
    fields = [
        previous_hash,
        str(seq),
        at.astimezone(UTC).isoformat(),
        entry.actor,
        entry.action,
        entry.subject,
        entry.correlation_id,
        before_digest,
        after_digest,
    ]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def _entry_of(record: AuditRecord) -> AuditEntry:
    return AuditEntry(
        record.actor,
        record.action,
        record.subject,
        record.before,
        record.after,
        record.correlation_id,
    )


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of `verify`: ok, or the first row at fault and what is wrong with it."""

    checked: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _fault(record: AuditRecord, expected_seq: int, previous: str) -> str | None:
    if record.seq != expected_seq:
        return f"row {expected_seq} is missing (next row found is {record.seq})"
    if record.previous_hash != previous:
        return "previous_hash does not match the hash of the row before it"
    if record.purged_at is None:
        if digest(record.before) != record.before_digest:
            return "the 'before' document does not match its digest"
        if digest(record.after) != record.after_digest:
            return "the 'after' document does not match its digest"
    expected = row_hash(
        previous,
        record.seq,
        record.at,
        _entry_of(record),
        record.before_digest,
        record.after_digest,
    )
    if expected != record.hash:
        return "the row's fields do not match its hash (actor, action, subject, time or id)"
    return None


def verify(records: Iterable[AuditRecord], head: tuple[int, str]) -> Verification:
    """Walk the chain from the first row; report the first row that does not verify."""
    previous, expected_seq, checked = GENESIS, 1, 0
    for record in records:
        fault = _fault(record, expected_seq, previous)
        if fault is not None:
            return Verification(checked, expected_seq, fault)
        previous, expected_seq, checked = record.hash, record.seq + 1, checked + 1
    last = expected_seq - 1
    if head[0] > last:
        return Verification(checked, last + 1, f"rows {last + 1}..{head[0]} are missing")
    if head[0] < last or (checked and head[1] != previous):
        return Verification(checked, head[0] + 1, "rows were written around the chain head")
    return Verification(checked)


class AuditTrail:
    """Records changes made by people and flows; the one way to write the audit log.

    Make the change and record it inside `transaction()`: the change and its audit row
    then commit together, and a failure after either rolls back both. Rows are stamped
    with the wall clock, never the hub's business clock.
    """

    def __init__(
        self,
        log: AuditLog,
        clock: WallClock = wall_clock,
        transaction: Transaction = each_on_its_own,
    ) -> None:
        self._log = log
        self._clock = clock
        self.transaction = transaction

    def record(
        self,
        actor: str,
        action: str,
        subject: str,
        *,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        correlation_id: str,
    ) -> AuditRecord:
        entry = AuditEntry(actor, action, subject, _plain(before), _plain(after), correlation_id)
        return self._log.append(entry, self._clock())

    def verify(self, page_size: int = 5000) -> Verification:
        return verify(self._pages(page_size), self._log.head())

    def _pages(self, page_size: int) -> Iterator[AuditRecord]:
        after = 0
        while page := self._log.records(after, page_size):
            yield from page
            after = page[-1].seq

    def records(self, after_seq: int = 0, limit: int | None = None) -> list[AuditRecord]:
        return self._log.records(after_seq, limit)
