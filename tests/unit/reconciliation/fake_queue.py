"""An in-memory exception queue that counts how often it is scanned, in a unit of work
that holds nothing else (what `ExceptionService` needs)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Any

from accord.application.ports import ExceptionRecord
from accord.domain.exceptions import BusinessException, ExceptionKind, ExceptionStatus, OwnerRole


class ScanCountingQueue:
    def __init__(self) -> None:
        self.records: dict[int, ExceptionRecord] = {}
        self.scans = 0

    def raise_(self, exception: BusinessException, details: Mapping[str, Any], at: datetime) -> int:
        new_id = len(self.records) + 1
        policy = exception.kind.policy
        self.records[new_id] = ExceptionRecord(
            new_id,
            exception.kind,
            policy.owner,
            policy.severity,
            exception.subject,
            ExceptionStatus.OPEN,
            exception.message,
            dict(details),
            at,
            at,
        )
        return new_id

    def list(
        self,
        owner: OwnerRole | None = None,
        kind: ExceptionKind | None = None,
        status: ExceptionStatus | None = None,
    ) -> builtins.list[ExceptionRecord]:
        self.scans += 1
        return [
            r
            for r in self.records.values()
            if (owner is None or r.owner == owner)
            and (kind is None or r.kind == kind)
            and (status is None or r.status == status)
        ]

    def get(self, exception_id: int) -> ExceptionRecord | None:
        return self.records.get(exception_id)

    def resolve(self, exception_id: int, note: str, at: datetime) -> None:
        record = self.records[exception_id]
        self.records[exception_id] = replace(record, status=ExceptionStatus.RESOLVED)

    def skip(self, exception_id: int, reason: str, at: datetime) -> None:
        record = self.records[exception_id]
        self.records[exception_id] = replace(record, status=ExceptionStatus.SKIPPED)


class FakeUnitOfWork:
    def __init__(self, queue: ScanCountingQueue) -> None:
        self.exceptions = queue

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        return None
