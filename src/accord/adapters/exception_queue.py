"""SQLAlchemy exception queue: business exceptions stored for the people who own them."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from accord.adapters.sql import aware
from accord.adapters.tables import exceptions
from accord.application.ports import ExceptionRecord
from accord.domain.criticality import Criticality
from accord.domain.exceptions import (
    BusinessException,
    ExceptionKind,
    ExceptionStatus,
    OwnerRole,
)

_c = exceptions.c


class SqlAlchemyExceptionQueue:
    """`ExceptionQueue` on one open transaction; severity and SLA come from the kind's
    policy, the SLA cut short by the exception's criticality class when `criticality`
    gives it one, the owner from the exception (the kind's owner unless it is routed)."""

    def __init__(self, connection: sa.Connection, criticality: Criticality | None = None) -> None:
        self._connection = connection
        self._criticality = criticality

    def _sla_due(
        self, exception: BusinessException, details: Mapping[str, Any], at: datetime
    ) -> datetime:
        kind_due = at + exception.kind.policy.sla
        if self._criticality is None:
            return kind_due
        flow = details.get("workflow_id")
        return self._criticality.sla_due(exception.kind, at, kind_due, flow)

    def raise_(self, exception: BusinessException, details: Mapping[str, Any], at: datetime) -> int:
        policy = exception.kind.policy
        statement = (
            sa.insert(exceptions)
            .values(
                kind=exception.kind.value,
                owner=exception.owner.value,
                severity=policy.severity.value,
                subject=exception.subject,
                status=ExceptionStatus.OPEN.value,
                message=exception.message,
                details=dict(details),
                amount_at_risk=exception.amount_at_risk,
                currency=exception.currency,
                sla_due=self._sla_due(exception, details, at),
                created_at=at,
                blocks=list(exception.blocks),
                history=[{"at": at.isoformat(), "action": "raised"}],
            )
            .returning(_c.id)
        )
        return int(self._connection.execute(statement).scalar_one())

    def list(
        self,
        owner: OwnerRole | None = None,
        kind: ExceptionKind | None = None,
        status: ExceptionStatus | None = None,
    ) -> builtins.list[ExceptionRecord]:
        query = sa.select(exceptions).order_by(_c.id)
        if owner is not None:
            query = query.where(_c.owner == owner.value)
        if kind is not None:
            query = query.where(_c.kind == kind.value)
        if status is not None:
            query = query.where(_c.status == status.value)
        return [_record(row) for row in self._connection.execute(query).mappings()]

    def get(self, exception_id: int) -> ExceptionRecord | None:
        row = (
            self._connection.execute(sa.select(exceptions).where(_c.id == exception_id))
            .mappings()
            .first()
        )
        return _record(row) if row is not None else None

    def resolve(self, exception_id: int, note: str, at: datetime) -> None:
        self._close(exception_id, ExceptionStatus.RESOLVED, note, at)

    def skip(self, exception_id: int, reason: str, at: datetime) -> None:
        self._close(exception_id, ExceptionStatus.SKIPPED, reason, at)

    def note(
        self,
        exception_id: int,
        entry: Mapping[str, Any],
        at: datetime,
        message: str | None = None,
    ) -> None:
        history = self._history(exception_id)
        values: dict[str, Any] = {"history": [*history, {"at": at.isoformat(), **entry}]}
        if message is not None:
            values["message"] = message
        self._connection.execute(
            sa.update(exceptions).where(_c.id == exception_id).values(**values)
        )

    def assign(
        self, exception_id: int, assignee: str | None, entry: Mapping[str, Any], at: datetime
    ) -> None:
        self._change(exception_id, entry, at, assignee=assignee)

    def retag(
        self,
        exception_id: int,
        tags: Sequence[str],
        entry: Mapping[str, Any],
        at: datetime,
    ) -> None:
        self._change(exception_id, entry, at, tags=list(tags))

    def _change(
        self, exception_id: int, entry: Mapping[str, Any], at: datetime, **values: Any
    ) -> None:
        history = self._history(exception_id)
        self._connection.execute(
            sa.update(exceptions)
            .where(_c.id == exception_id)
            .values(history=[*history, {"at": at.isoformat(), **entry}], **values)
        )

    def _history(self, exception_id: int) -> builtins.list[Any]:
        history = self._connection.execute(
            sa.select(_c.history).where(_c.id == exception_id).with_for_update()
        ).scalar()
        if history is None:
            raise KeyError(f"no exception with id {exception_id}")
        return list(history)

    def _close(self, exception_id: int, status: ExceptionStatus, note: str, at: datetime) -> None:
        history = self._history(exception_id)
        entry = {"at": at.isoformat(), "action": status.value, "note": note}
        self._connection.execute(
            sa.update(exceptions)
            .where(_c.id == exception_id)
            .values(status=status.value, resolved_at=at, history=[*history, entry])
        )


def _record(row: sa.RowMapping) -> ExceptionRecord:
    return ExceptionRecord(
        id=row["id"],
        kind=ExceptionKind(row["kind"]),
        owner=OwnerRole(row["owner"]),
        severity=row["severity"],
        subject=row["subject"],
        status=ExceptionStatus(row["status"]),
        message=row["message"],
        details=row["details"],
        sla_due=aware(row["sla_due"]) or row["sla_due"],
        created_at=aware(row["created_at"]) or row["created_at"],
        resolved_at=aware(row["resolved_at"]),
        blocks=tuple(row["blocks"]),
        history=tuple(row["history"]),
        assignee=row["assignee"],
        tags=tuple(row["tags"] or ()),
    )
