"""The exception queue as flows and people use it: one open record per (kind, subject).

Raising the same problem twice (a retried step, a re-run) updates nothing: the open
record stays the one people work. A cause that disappears closes its record on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any, Protocol

from accord.application.clock import Clock
from accord.application.flow_events import FlowChanges
from accord.application.ports import ExceptionQueue, ExceptionRecord
from accord.application.unit_of_work import UnitOfWork, UnitOfWorkFactory
from accord.domain.exceptions import (
    BusinessException,
    ExceptionKind,
    ExceptionStatus,
    OwnerRole,
)


class BatchExceptions(Protocol):
    """How a batch (an event-worker batch, an ingest batch) raises the exceptions it
    finds: inside its own unit of work, so they commit or roll back with the batch."""

    def transaction(self) -> AbstractContextManager[None]:
        """The block the batch opens its unit of work in (cheap: the batch's own
        transaction, shared with whatever `raise_in` writes)."""
        ...

    def raise_in(
        self,
        uow: UnitOfWork,
        exception: BusinessException,
        details: Mapping[str, Any],
        at: datetime,
    ) -> int: ...

    def resolve_in(self, uow: UnitOfWork, record: ExceptionRecord, note: str, at: datetime) -> None:
        """Close an open record whose cause the batch removed, in the batch's unit of work."""
        ...


class QueuedOnly:
    """`BatchExceptions` that only queue the record (the event log on its own, tests)."""

    def transaction(self) -> AbstractContextManager[None]:
        return nullcontext()

    def raise_in(
        self,
        uow: UnitOfWork,
        exception: BusinessException,
        details: Mapping[str, Any],
        at: datetime,
    ) -> int:
        return uow.exceptions.raise_(exception, details, at)

    def resolve_in(self, uow: UnitOfWork, record: ExceptionRecord, note: str, at: datetime) -> None:
        uow.exceptions.resolve(record.id, note, at)


class ExceptionService:
    """With `changes`, every exception opened or closed is also audited and announced
    (`accord.exception.opened.v1` / `closed.v1`) in the same transaction.

    Lookups that only read go through `reading` (default: `unit_of_work`): a unit of work
    that never takes the store's write lock, so a long write does not hold them up."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        changes: FlowChanges | None = None,
        reading: UnitOfWorkFactory | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._reading = reading or unit_of_work
        self._clock = clock
        self._changes = changes

    def _announcing(self) -> AbstractContextManager[None]:
        return self._changes.transaction() if self._changes is not None else nullcontext()

    def transaction(self) -> AbstractContextManager[None]:
        """The block a batch opens its unit of work in, so that `raise_in` audits and
        announces in the batch's own transaction (see `BatchExceptions`)."""
        return self._announcing()

    def _opened(self, record: ExceptionRecord | None) -> None:
        if record is not None:
            self._announce_opened(record.id, record.kind, record.subject, record.owner)

    def _announce_opened(
        self, exception_id: int, kind: ExceptionKind, subject: str, owner: OwnerRole
    ) -> None:
        if self._changes is not None:
            after = {
                "id": exception_id,
                "kind": str(kind),
                "owner": str(owner),
                "severity": str(kind.policy.severity),
            }
            self._changes.record("exception.opened", subject, after, None, str(exception_id))

    def raise_in(
        self,
        uow: UnitOfWork,
        exception: BusinessException,
        details: Mapping[str, Any],
        at: datetime,
    ) -> int:
        """Raise a problem a batch found, in the batch's unit of work (opened inside
        `transaction()`): queued, audited and announced when the batch commits, gone if
        it rolls back. Each call is a new record: a batch's subjects are its events."""
        exception_id = uow.exceptions.raise_(exception, details, at)
        self._announce_opened(exception_id, exception.kind, exception.subject, exception.owner)
        return exception_id

    def resolve_in(self, uow: UnitOfWork, record: ExceptionRecord, note: str, at: datetime) -> None:
        """Close a record a batch found resolved, audited and announced with the batch."""
        uow.exceptions.resolve(record.id, note, at)
        self._closed(record, ExceptionStatus.RESOLVED, note)

    def _closed(self, record: ExceptionRecord, status: ExceptionStatus, note: str) -> None:
        if self._changes is not None:
            after = {"id": record.id, "kind": str(record.kind), "status": str(status), "note": note}
            before = {"status": str(record.status)}
            self._changes.record("exception.closed", record.subject, after, before, str(record.id))

    @staticmethod
    def _open_in(
        queue: ExceptionQueue, kind: ExceptionKind, subject: str
    ) -> ExceptionRecord | None:
        for record in queue.list(kind=kind, status=ExceptionStatus.OPEN):
            if record.subject == subject:
                return record
        return None

    def find_open(self, kind: ExceptionKind, subject: str) -> ExceptionRecord | None:
        with self._reading() as uow:
            return self._open_in(uow.exceptions, kind, subject)

    def get(self, exception_id: int) -> ExceptionRecord:
        """One exception by id; KeyError when there is none."""
        with self._reading() as uow:
            record = uow.exceptions.get(exception_id)
        if record is None:
            raise KeyError(exception_id)
        return record

    def open(self, exception: BusinessException, details: Mapping[str, Any] | None = None) -> int:
        """Record the problem unless the same (kind, subject) is already open."""
        with self._announcing(), self._unit_of_work() as uow:
            existing = self._open_in(uow.exceptions, exception.kind, exception.subject)
            if existing is not None:
                return existing.id
            new_id = uow.exceptions.raise_(exception, dict(details or {}), self._clock())
            self._opened(self._open_in(uow.exceptions, exception.kind, exception.subject))
            uow.commit()
            return new_id

    def close(self, kind: ExceptionKind, subject: str, note: str) -> bool:
        """Close the open record of (kind, subject), if any: its cause is gone."""
        with self._announcing(), self._unit_of_work() as uow:
            existing = self._open_in(uow.exceptions, kind, subject)
            if existing is None:
                return False
            uow.exceptions.resolve(existing.id, note, self._clock())
            self._closed(existing, ExceptionStatus.RESOLVED, note)
            uow.commit()
            return True

    def open_all(
        self, problems: Sequence[tuple[BusinessException, Mapping[str, Any]]]
    ) -> list[int]:
        """Open many problems in one transaction, each unless its (kind, subject) is open
        already; the open records of each kind are read once, not once per problem."""
        ids = []
        with self._announcing(), self._unit_of_work() as uow:
            open_now: dict[ExceptionKind, dict[str, int]] = {}
            for exception, details in problems:
                subjects = open_now.get(exception.kind)
                if subjects is None:
                    subjects = open_now[exception.kind] = self._open_subjects(uow, exception.kind)
                if exception.subject not in subjects:
                    new_id = uow.exceptions.raise_(exception, dict(details), self._clock())
                    self._announce_opened(
                        new_id, exception.kind, exception.subject, exception.owner
                    )
                    subjects[exception.subject] = new_id
                ids.append(subjects[exception.subject])
            uow.commit()
        return ids

    def close_all(self, records: Sequence[ExceptionRecord], note: str) -> int:
        """Close, in one transaction, those of `records` still open (their cause is
        gone); returns how many it closed."""
        closed = 0
        with self._announcing(), self._unit_of_work() as uow:
            still_open = {
                r.id
                for kind in {record.kind for record in records}
                for r in uow.exceptions.list(kind=kind, status=ExceptionStatus.OPEN)
            }
            for record in records:
                if record.id in still_open:
                    uow.exceptions.resolve(record.id, note, self._clock())
                    self._closed(record, ExceptionStatus.RESOLVED, note)
                    closed += 1
            uow.commit()
        return closed

    @staticmethod
    def _open_subjects(uow: UnitOfWork, kind: ExceptionKind) -> dict[str, int]:
        listed = uow.exceptions.list(kind=kind, status=ExceptionStatus.OPEN)
        return {record.subject: record.id for record in listed}

    def note(self, exception_id: int, action: str, note: str) -> None:
        """Add an entry (`action`, `note`) to an open exception's history."""
        with self._unit_of_work() as uow:
            uow.exceptions.note(exception_id, {"action": action, "note": note}, self._clock())
            uow.commit()

    def skip(self, exception_id: int, reason: str) -> None:
        with self._announcing(), self._unit_of_work() as uow:
            record = next((r for r in uow.exceptions.list() if r.id == exception_id), None)
            uow.exceptions.skip(exception_id, reason, self._clock())
            if record is not None:
                self._closed(record, ExceptionStatus.SKIPPED, reason)
            uow.commit()

    def open_records(
        self, owner: OwnerRole | None = None, kind: ExceptionKind | None = None
    ) -> list[ExceptionRecord]:
        with self._reading() as uow:
            return uow.exceptions.list(owner=owner, kind=kind, status=ExceptionStatus.OPEN)
