"""The audit trail: who changed what, when, before and after, in a hash-chained log.

Each row's hash covers the previous row's hash, its own fields and the SHA-256 digests of
its before/after documents. Retention may later erase the documents of old rows (personal
data) but keeps their digests, so the chain still verifies after a purge, while changing,
inserting or deleting any row breaks it at that row. A purged row must carry no document;
when it was purged (`purged_at`) is guarded by the database, which lets a row be purged
once and never changed again. Anchors (`audit_anchor`) catch what the chain alone cannot:
a cut-off tail and a chain recomputed from its first row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from accord.application.audit_anchor import (
    HOW_TO_ANCHOR,
    Anchor,
    AnchorFileDamaged,
    Anchoring,
    NotAnchored,
    anchored_hashes,
    forged,
)
from accord.application.clock import WallClock, wall_clock
from accord.application.unit_of_work import Transaction, each_on_its_own

GENESIS = "0" * 64
"""The `previous_hash` of the first row."""
_AROUND_HEAD = "rows were written around the chain head"


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
    """The outcome of `verify`: ok, or what is wrong and the first row at fault (None
    when the fault is in the anchors rather than a row)."""

    checked: int
    broken_at: int | None = None
    reason: str | None = None
    anchored_through: int | None = None
    """The newest row a verified anchor vouches for; None when the head is not anchored."""
    unanchored: str | None = None
    """Why the head is not anchored and how to anchor it; None when it is."""

    @property
    def ok(self) -> bool:
        return self.reason is None


class AuditTampered(Exception):
    """The audit trail does not verify; `verification` says where and why."""

    def __init__(self, verification: Verification) -> None:
        super().__init__(verification.reason)
        self.verification = verification


def _document_fault(record: AuditRecord) -> str | None:
    if record.purged_at is not None:
        if record.before is not None or record.after is not None:
            return "the row is marked purged but carries a document (written after the purge)"
        if record.purged_at < record.at:
            return "the row is marked purged before it was written"
        return None
    if digest(record.before) != record.before_digest:
        return "the 'before' document does not match its digest"
    if digest(record.after) != record.after_digest:
        return "the 'after' document does not match its digest"
    return None


def _fault(record: AuditRecord, expected_seq: int, previous: str) -> str | None:
    if record.seq != expected_seq:
        return f"row {expected_seq} is missing (next row found is {record.seq})"
    if record.previous_hash != previous:
        return "previous_hash does not match the hash of the row before it"
    document = _document_fault(record)
    if document is not None:
        return document
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


def _off_anchor(record: AuditRecord, pinned: Mapping[int, Anchor]) -> str | None:
    anchor = pinned.get(record.seq)
    if anchor is None or anchor.hash == record.hash:
        return None
    return (
        f"row {record.seq} is not the one anchored at {anchor.at:%Y-%m-%d %H:%M:%S} UTC: "
        "the chain up to it was rewritten and its hashes recomputed"
    )


def verify(
    records: Iterable[AuditRecord],
    head: tuple[int, str],
    anchors: Sequence[Anchor] = (),
    start: tuple[int, str] = (0, GENESIS),
) -> Verification:
    """Walk the chain from the row after `start` (the first row by default); report
    the first row that does not verify, or an anchored row that is gone or changed."""
    pinned = anchored_hashes(anchors)
    (last, previous), checked = start, 0
    for record in records:
        fault = _fault(record, last + 1, previous) or _off_anchor(record, pinned)
        if fault is not None:
            return Verification(checked, last + 1, fault)
        last, previous, checked = record.seq, record.hash, checked + 1
    if head[0] > last:
        return Verification(checked, last + 1, f"rows {last + 1}..{head[0]} are missing")
    if head[0] < last or (checked and head[1] != previous):
        return Verification(checked, head[0] + 1, _AROUND_HEAD)
    cut = max((seq for seq in pinned if seq > last), default=None)
    if cut is not None:
        return Verification(
            checked,
            last + 1,
            f"rows {last + 1}..{cut} are missing: the anchor of "
            f"{pinned[cut].at:%Y-%m-%d %H:%M:%S} UTC signed row {cut}, so the chain's "
            "tail was cut off",
        )
    return Verification(checked, anchored_through=max(pinned, default=None))


class AuditTrail:
    """Records changes made by people and flows; the one way to write the audit log.

    Make the change and record it inside `transaction()`: the change and its audit row
    then commit together, and a failure after either rolls back both. Rows are stamped
    with the wall clock, never the hub's business clock. With `anchoring`, `anchor()`
    signs the head outside the database and `verify()` checks the chain against it.
    """

    def __init__(
        self,
        log: AuditLog,
        clock: WallClock = wall_clock,
        transaction: Transaction = each_on_its_own,
        anchoring: Anchoring | None = None,
    ) -> None:
        self._log = log
        self._clock = clock
        self._anchoring = anchoring
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
        """Walk the chain up to its head and check it still holds every anchored head.

        Rows appended while the walk runs (a live hub keeps writing) lie beyond the head
        read first, and are left to the next check."""
        anchoring = self._anchoring
        if anchoring is None or anchoring.key is None:
            walked = self._walk(page_size, ())
            return replace(walked, unanchored=_NO_KEY) if walked.ok else walked
        try:
            anchors = anchoring.store.all()
        except AnchorFileDamaged as error:
            return Verification(0, reason=str(error))
        bad = forged(anchors, anchoring.key)
        if bad is not None:
            return Verification(0, reason=_forged(bad, anchoring.store.location))
        walked = self._walk(page_size, anchors)
        if walked.ok and not anchors:
            return replace(walked, unanchored=_no_anchor_yet(anchoring.store.location))
        return walked

    def anchor(self, page_size: int = 5000) -> Anchor | None:
        """Sign the head and append it to the anchors, once the rows written since the
        previous anchor verify from it. None when there is nothing new to anchor.

        NotAnchored without an audit key; AuditTampered when the rows since the previous
        anchor (or the anchors themselves) do not verify: a tampered head is never
        signed."""
        anchoring = self._anchoring
        if anchoring is None or anchoring.key is None:
            raise NotAnchored(_NO_KEY)
        try:
            anchors = anchoring.store.all()
        except AnchorFileDamaged as error:
            raise AuditTampered(Verification(0, reason=str(error))) from None
        bad = forged(anchors, anchoring.key)
        if bad is not None:
            raise AuditTampered(Verification(0, reason=_forged(bad, anchoring.store.location)))
        head = self._log.head()
        newest = max(anchors, key=lambda anchor: anchor.seq, default=None)
        start = (newest.seq, newest.hash) if newest else (0, GENESIS)
        if head[0] < start[0]:
            raise AuditTampered(self.verify(page_size))
        since = verify(self._pages(page_size, start[0], head[0]), head, anchors, start)
        if not since.ok:
            raise AuditTampered(since)
        if head[0] == start[0]:
            return None
        signed = anchoring.key.sign(head[0], head[1], self._clock())
        anchoring.store.append(signed)
        return signed

    def _walk(self, page_size: int, anchors: Sequence[Anchor]) -> Verification:
        head = self._log.head()
        walked = verify(self._pages(page_size, 0, head[0]), head, anchors)
        if not walked.ok:
            return walked
        # A row and the head move together, so a row beyond the head as it is read now
        # was written around it (or the head was moved back).
        beyond = self._log.records(head[0])
        now = self._log.head()
        if beyond and beyond[-1].seq > now[0]:
            return Verification(walked.checked, now[0] + 1, _AROUND_HEAD)
        return walked

    def _pages(
        self, page_size: int, after: int = 0, through: int | None = None
    ) -> Iterator[AuditRecord]:
        while page := self._log.records(after, page_size):
            for record in page:
                if through is not None and record.seq > through:
                    return
                yield record
            after = page[-1].seq

    def records(self, after_seq: int = 0, limit: int | None = None) -> list[AuditRecord]:
        return self._log.records(after_seq, limit)


_NO_KEY = (
    "the chain head is not anchored, so a cut-off tail or a chain recomputed from the "
    f"first row would go unnoticed: {HOW_TO_ANCHOR}"
)


def _no_anchor_yet(location: str) -> str:
    return f"no anchor in {location} yet: run `accord audit anchor` (the hub anchors hourly)"


def _forged(anchor: Anchor, location: str) -> str:
    return (
        f"the anchor of row {anchor.seq} in {location} is not signed with the configured "
        "audit key: it was forged, or ACCORD_AUDIT_KEY_FILE changed"
    )
