"""Ports of the event log: what the application needs from storage and brokers.

They are Protocols so the application never imports an adapter; `accord.bootstrap`
plugs in the SQLAlchemy and NATS implementations, tests plug in fakes. The records
made once per event on the hot path (`InboundEvent`, `PendingEvent`, `BusinessObject`,
`OutboxMessage`) are NamedTuples: immutable like frozen dataclasses, but built in a
quarter of the time, which is several percent of ingest + apply.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from accord.domain.exceptions import (
    BusinessException,
    ExceptionKind,
    ExceptionStatus,
    OwnerRole,
)


class EventStatus(StrEnum):
    """Where an inbound event stands: waiting, applied, too old to apply, rejected, or
    rejected and then replaced by a corrected redelivery (kept for the record)."""

    PENDING = "pending"
    APPLIED = "applied"
    STALE = "stale"
    QUARANTINED = "quarantined"
    SUPERSEDED = "superseded"


class InboundEvent(NamedTuple):
    """One delivered event as it is appended to the log, raw payload included.

    A valid event also carries what ingest read from its validated canonical record, so
    the worker never decodes the payload: its identity (`business_*`), its `data` as
    canonical JSON (the record's own encoding, handed on to the applied state and the
    outgoing message as it is) and the keys of the records it names (`references`: one
    per field `applying.REFERENCES` lists for its kind, in that order, None when empty)."""

    source: str
    event_id: str
    type: str
    payload: str
    subject: str | None = None
    business_kind: str | None = None
    business_key: str | None = None
    business_version: str | None = None
    status: EventStatus = EventStatus.PENDING
    reason: str | None = None
    data: str | None = None
    references: Sequence[str | None] = ()


class PendingEvent(NamedTuple):
    """A logged event claimed by a worker, in log order (`seq`): its identity, its
    canonical `data` and its `references`, as ingest stored them (not its payload)."""

    seq: int
    source: str
    event_id: str
    type: str
    subject: str | None
    business_kind: str
    business_key: str
    business_version: str
    data: str
    references: Sequence[str | None] = ()


@dataclass(frozen=True, slots=True)
class EventOutcome:
    """What processing decided for one event other than a plain apply."""

    seq: int
    status: EventStatus
    reason: str


class BusinessObject(NamedTuple):
    """The applied current state of one business record (the event log's effect).

    `source_seq` is the inbound event it came from; `applied_seq` orders the writes as
    they became visible (increasing across workers), so readers follow that one.
    """

    kind: str
    key: str
    version: str
    data: str
    source_seq: int
    applied_seq: int = 0


class AppliedRecords(Protocol):
    """The applied business records (the event log's current state), read outside any
    worker transaction: one by key, a kind page by page (the system API's resources), or
    what changed since a point in the order the changes became visible (`applied_seq`)."""

    def get(self, kind: str, key: str) -> BusinessObject | None: ...

    def page(self, kind: str, after_key: str | None, limit: int) -> list[BusinessObject]:
        """Up to `limit` records of `kind` after `after_key`, in key order."""

    def changed_since(self, seq: int, limit: int) -> list[BusinessObject]:
        """Up to `limit` records whose `applied_seq` is above `seq`, in that order."""


class OutboxMessage(NamedTuple):
    """A canonical CloudEvent waiting to be published; `event_id` is its dedup key."""

    event_id: str
    type: str
    source: str
    payload: str
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    seq: int
    message: OutboxMessage


@dataclass(frozen=True, slots=True)
class ExceptionRecord:
    """A stored business exception as the queue lists it."""

    id: int
    kind: ExceptionKind
    owner: OwnerRole
    severity: str
    subject: str
    status: ExceptionStatus
    message: str
    details: Mapping[str, Any]
    sla_due: datetime
    created_at: datetime
    resolved_at: datetime | None = None
    blocks: tuple[str, ...] = ()
    history: tuple[Mapping[str, Any], ...] = ()
    assignee: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EventLogStatus:
    """Health of the event log at a glance (what `accord status` shows)."""

    counts: Mapping[EventStatus, int]
    oldest_pending_at: datetime | None
    outbox_unpublished: int
    oldest_unpublished_at: datetime | None
    open_exceptions: int
    checkpoints: Mapping[str, int] = field(default_factory=dict)

    @property
    def backlog(self) -> int:
        return self.counts.get(EventStatus.PENDING, 0)


class QuarantinedDelivery(NamedTuple):
    """A quarantined event, by its log position and identity."""

    seq: int
    source: str
    event_id: str


class InboundEventLog(Protocol):
    def append(self, events: Sequence[InboundEvent]) -> int:
        """Store new events; `(source, event_id)` already present (other than
        superseded) are skipped. Returns how many were stored."""

    def supersede_quarantined(
        self, events: Sequence[InboundEvent], at: datetime
    ) -> list[QuarantinedDelivery]:
        """Mark superseded the quarantined deliveries with the `(source, event_id)` of
        one of `events`, so those events can be appended; returns what was superseded."""

    def append_quarantined(self, events: Sequence[InboundEvent]) -> list[InboundEvent]:
        """Store rejected events; returns the ones that were new (not duplicates)."""

    def claim_pending(self, limit: int) -> list[PendingEvent]:
        """Lock and return the oldest pending events; concurrent workers skip locked rows."""

    def pending_before(self, seq: int) -> bool:
        """Whether an event older than `seq` is still pending (claimed by another worker
        whose batch has not committed yet)."""

    def record_outcomes(
        self, applied: Sequence[int], others: Sequence[EventOutcome], at: datetime
    ) -> None:
        """Mark claimed events applied (by seq) or stale / quarantined with a reason."""

    def quarantined(self, source: str, event_id: str) -> InboundEvent | None:
        """The quarantined delivery of `(source, event_id)`, raw payload and reason
        included, or None when there is none (never quarantined, or since replaced)."""


class BusinessObjects(Protocol):
    def versions(self, keys: Collection[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The applied version per (kind, key) among `keys`; absent keys are omitted."""

    def lock_applying(self) -> None:
        """Serialise appliers until commit. Versions read after it are the latest
        committed, and the apply sequence `upsert` hands out commits in order."""

    def upsert(self, objects: Sequence[BusinessObject], at: datetime) -> None:
        """Write the new state with the next apply sequence numbers (after
        `lock_applying`); never replaces a newer version with an older one."""

    def get(self, kind: str, key: str) -> BusinessObject | None: ...

    def count(self, kind: str | None = None) -> int: ...


class Outbox(Protocol):
    def add(self, messages: Sequence[OutboxMessage], at: datetime) -> None: ...

    def unpublished(self, limit: int) -> list[OutboxRecord]:
        """The oldest messages not yet acknowledged by the broker, in order."""

    def mark_published(self, seqs: Sequence[int], at: datetime) -> None: ...


class ExceptionQueue(Protocol):
    """Business exceptions a person works from: raised by processing, listed by owner."""

    def raise_(
        self, exception: BusinessException, details: Mapping[str, Any], at: datetime
    ) -> int: ...

    def list(
        self,
        owner: OwnerRole | None = None,
        kind: ExceptionKind | None = None,
        status: ExceptionStatus | None = None,
    ) -> builtins.list[ExceptionRecord]: ...

    def get(self, exception_id: int) -> ExceptionRecord | None:
        """One exception by id (a keyed read, however long the queue's history)."""

    def resolve(self, exception_id: int, note: str, at: datetime) -> None: ...

    def skip(self, exception_id: int, reason: str, at: datetime) -> None: ...

    def note(
        self,
        exception_id: int,
        entry: Mapping[str, Any],
        at: datetime,
        message: str | None = None,
    ) -> None:
        """Add `entry` to an open exception's history (and replace its message when
        given), locking the record until commit; KeyError when there is none."""

    def assign(
        self, exception_id: int, assignee: str | None, entry: Mapping[str, Any], at: datetime
    ) -> None:
        """Set (or clear, with None) the person an exception is assigned to, adding
        `entry` to its history; KeyError when there is none."""

    def retag(
        self, exception_id: int, tags: Sequence[str], entry: Mapping[str, Any], at: datetime
    ) -> None:
        """Replace an exception's tags, adding `entry` to its history; KeyError when
        there is none."""


class Checkpoints(Protocol):
    def advance(self, worker: str, last_seq: int, at: datetime) -> None: ...

    def get(self, worker: str) -> int: ...


class Publisher(Protocol):
    """Delivers outbox messages to subscribers; returns once every one is acknowledged."""

    def publish(self, messages: Sequence[OutboxMessage]) -> None: ...

    def close(self) -> None: ...


class EventLogQueries(Protocol):
    def status(self) -> EventLogStatus: ...
