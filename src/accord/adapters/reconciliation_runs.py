"""Reconciliation jobs in the hub's store (SQLite, PostgreSQL, MariaDB), shared by its processes.

`pending` is TRUE while a job is requested or running and NULL afterwards; its unique
constraint lets at most one such job exist, so two requests at once (two API processes,
the scheduler and a person) end up on the same job. NULLs do not collide, so finished
jobs stay as history.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.sql import aware
from accord.adapters.tables import LongText, SequenceId, Stamp, metadata
from accord.adapters.transactions import begin, reading
from accord.application.reconciliation_jobs import ReconciliationRun, RunStatus

reconciliation_runs = sa.Table(
    "reconciliation_runs",
    metadata,
    sa.Column("id", SequenceId, primary_key=True, autoincrement=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("pending", sa.Boolean, unique=True),
    sa.Column("requested_by", sa.String(300), nullable=False),
    sa.Column("requested_at", Stamp, nullable=False),
    sa.Column("started_at", Stamp),
    sa.Column("finished_at", Stamp),
    sa.Column("as_of", sa.Date),
    sa.Column("report", LongText),
    sa.Column("error", LongText),
)
sa.Index("ix_reconciliation_runs_status_id", reconciliation_runs.c.status, reconciliation_runs.c.id)

_R = reconciliation_runs.c
_FINISHED = (RunStatus.DONE.value, RunStatus.FAILED.value)


def _run(row: sa.Row[Any]) -> ReconciliationRun:
    started, finished = aware(row.started_at), aware(row.finished_at)
    requested = aware(row.requested_at)
    assert requested is not None  # the column is NOT NULL
    return ReconciliationRun(
        int(row.id),
        RunStatus(row.status),
        row.requested_by,
        requested,
        started,
        finished,
        row.as_of,
        None if row.report is None else json.loads(row.report),
        row.error,
    )


class SqlAlchemyReconciliationRuns:
    """`ReconciliationRuns` on the hub's store."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _one(self, query: sa.Select[Any]) -> ReconciliationRun | None:
        with reading(self._engine) as connection:
            row = connection.execute(query.limit(1)).first()
        return None if row is None else _run(row)

    def request(self, requested_by: str, at: datetime) -> ReconciliationRun:
        try:
            with begin(self._engine) as connection:
                connection.execute(
                    reconciliation_runs.insert().values(
                        status=RunStatus.REQUESTED.value,
                        pending=True,
                        requested_by=requested_by,
                        requested_at=at,
                    )
                )
        except sa.exc.IntegrityError:
            pass  # a job is requested or running already: the request is that job
        pending = self.pending()
        if pending is None:  # it finished in between: ask again
            return self.request(requested_by, at)
        return pending

    def claim(self, at: datetime) -> ReconciliationRun | None:
        requested = self._one(
            sa.select(reconciliation_runs).where(_R.status == RunStatus.REQUESTED.value)
        )
        if requested is None:
            return None
        with begin(self._engine) as connection:
            moved = connection.execute(
                reconciliation_runs.update()
                .where(_R.id == requested.id, _R.status == RunStatus.REQUESTED.value)
                .values(status=RunStatus.RUNNING.value, started_at=at)
            )
        return self.get(requested.id) if moved.rowcount == 1 else None

    def _end(self, run_id: int, values: Mapping[str, Any]) -> None:
        with begin(self._engine) as connection:
            connection.execute(
                reconciliation_runs.update()
                .where(_R.id == run_id, _R.status == RunStatus.RUNNING.value)
                .values(pending=None, **values)
            )

    def finish(self, run_id: int, as_of: date, report: Mapping[str, Any], at: datetime) -> None:
        document = json.dumps(report, separators=(",", ":"), default=str)
        values = {"as_of": as_of, "report": document, "finished_at": at}
        self._end(run_id, {"status": RunStatus.DONE.value, **values})

    def fail(self, run_id: int, error: str, at: datetime) -> None:
        self._end(run_id, {"status": RunStatus.FAILED.value, "error": error, "finished_at": at})

    def requeue_running(self) -> int:
        with begin(self._engine) as connection:
            moved = connection.execute(
                reconciliation_runs.update()
                .where(_R.status == RunStatus.RUNNING.value)
                .values(status=RunStatus.REQUESTED.value, started_at=None)
            )
        return int(moved.rowcount)

    def get(self, run_id: int) -> ReconciliationRun | None:
        return self._one(sa.select(reconciliation_runs).where(_R.id == run_id))

    def pending(self) -> ReconciliationRun | None:
        return self._one(sa.select(reconciliation_runs).where(_R.pending.is_(True)))

    def last_finished(self) -> ReconciliationRun | None:
        query = sa.select(reconciliation_runs).where(_R.status.in_(_FINISHED))
        return self._one(query.order_by(_R.id.desc()))

    def last_done(self) -> ReconciliationRun | None:
        query = sa.select(reconciliation_runs).where(_R.status == RunStatus.DONE.value)
        return self._one(query.order_by(_R.id.desc()))
