"""The exception queue as flows and people use it: one open record per (kind, subject).

Raising the same problem twice (a retried step, a re-run) updates nothing: the open
record stays the one people work. A cause that disappears closes its record on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accord.application.clock import Clock
from accord.application.ports import ExceptionQueue, ExceptionRecord
from accord.application.unit_of_work import UnitOfWorkFactory
from accord.domain.exceptions import (
    BusinessException,
    ExceptionKind,
    ExceptionStatus,
    OwnerRole,
)


class ExceptionService:
    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    @staticmethod
    def _open_in(
        queue: ExceptionQueue, kind: ExceptionKind, subject: str
    ) -> ExceptionRecord | None:
        for record in queue.list(kind=kind, status=ExceptionStatus.OPEN):
            if record.subject == subject:
                return record
        return None

    def find_open(self, kind: ExceptionKind, subject: str) -> ExceptionRecord | None:
        with self._unit_of_work() as uow:
            return self._open_in(uow.exceptions, kind, subject)

    def get(self, exception_id: int) -> ExceptionRecord:
        """One exception by id; KeyError when there is none."""
        with self._unit_of_work() as uow:
            for record in uow.exceptions.list():
                if record.id == exception_id:
                    return record
        raise KeyError(exception_id)

    def open(self, exception: BusinessException, details: Mapping[str, Any] | None = None) -> int:
        """Record the problem unless the same (kind, subject) is already open."""
        with self._unit_of_work() as uow:
            existing = self._open_in(uow.exceptions, exception.kind, exception.subject)
            if existing is not None:
                return existing.id
            new_id = uow.exceptions.raise_(exception, dict(details or {}), self._clock())
            uow.commit()
            return new_id

    def close(self, kind: ExceptionKind, subject: str, note: str) -> bool:
        """Close the open record of (kind, subject), if any: its cause is gone."""
        with self._unit_of_work() as uow:
            existing = self._open_in(uow.exceptions, kind, subject)
            if existing is None:
                return False
            uow.exceptions.resolve(existing.id, note, self._clock())
            uow.commit()
            return True

    def skip(self, exception_id: int, reason: str) -> None:
        with self._unit_of_work() as uow:
            uow.exceptions.skip(exception_id, reason, self._clock())
            uow.commit()

    def open_records(
        self, owner: OwnerRole | None = None, kind: ExceptionKind | None = None
    ) -> list[ExceptionRecord]:
        with self._unit_of_work() as uow:
            return uow.exceptions.list(owner=owner, kind=kind, status=ExceptionStatus.OPEN)
