"""Reconciliation as a job: requested or scheduled, run by the hub's scheduler, stored.

A full reconciliation reads every system, so nothing a person opens (an API GET, a
dashboard page) runs one: they read the last finished run's stored report, with when it
ran, and may *request* a run. A request is a job with a status to poll (`requested`,
`running`, `done`, `failed`); while one is requested or running, another request gets
that same job, so two requests at once never run two reconciliations. The scheduler
requests one on its interval and runs whatever is requested at its next tick.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from accord.application.clock import Clock, utc_now
from accord.application.reconciliation import ReconciliationReport


class RunStatus(StrEnum):
    REQUESTED = "requested"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ReconciliationRun:
    """One reconciliation job. `report` is the run's report once done (what the GET
    serves), `error` why it failed; times are wall-clock UTC, `as_of` the business day
    the systems were compared as of."""

    id: int
    status: RunStatus
    requested_by: str
    requested_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    as_of: date | None = None
    report: Mapping[str, Any] | None = None
    error: str | None = None

    def summary(self) -> dict[str, Any]:
        """The job without its report, as a poll answers it."""
        return {
            "id": self.id,
            "status": self.status.value,
            "requested_by": self.requested_by,
            "requested_at": self.requested_at.isoformat(),
            "started_at": None if self.started_at is None else self.started_at.isoformat(),
            "finished_at": None if self.finished_at is None else self.finished_at.isoformat(),
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "error": self.error,
            "href": f"/api/v1/reconciliation/runs/{self.id}",
        }


class ReconciliationRuns(Protocol):
    """Where reconciliation jobs are kept (the hub's store, shared by its processes)."""

    def request(self, requested_by: str, at: datetime) -> ReconciliationRun:
        """A new requested job, or the one already requested or running."""
        ...

    def claim(self, at: datetime) -> ReconciliationRun | None:
        """Move the requested job to running and return it; None when there is none or
        another process took it."""
        ...

    def finish(self, run_id: int, as_of: date, report: Mapping[str, Any], at: datetime) -> None: ...

    def fail(self, run_id: int, error: str, at: datetime) -> None: ...

    def requeue_running(self) -> int:
        """Put jobs left running by a process that ended back to requested."""
        ...

    def get(self, run_id: int) -> ReconciliationRun | None: ...

    def pending(self) -> ReconciliationRun | None:
        """The job requested or running, if any."""
        ...

    def last_finished(self) -> ReconciliationRun | None:
        """The latest job that is done or failed."""
        ...

    def last_done(self) -> ReconciliationRun | None:
        """The latest job that produced a report."""
        ...


class Reconcile(Protocol):
    """What a job runs: `ReconciliationService.run`."""

    def run(self, as_of: date | None = None) -> ReconciliationReport: ...


def stored_report(report: ReconciliationReport) -> dict[str, Any]:
    """What a run keeps of its report: the discrepancies, what was compared, skipped and
    not compared."""
    return {
        **report.to_dict(),
        "compared": list(report.compared),
        "skipped": dict(sorted(report.skipped.items())),
        "not_compared": dict(sorted(report.not_compared.items())),
        "engine": report.engine,
    }


class ReconciliationJobs:
    """Requests, runs and reads reconciliation jobs; see the module docstring.

    `business_clock` gives the day the systems are compared as of (the sandbox's
    simulated day); `now` stamps the jobs with real time. `on_reconciled` hears every
    finished report (metrics).
    """

    def __init__(
        self,
        runs: ReconciliationRuns,
        reconciliation: Reconcile,
        business_clock: Clock,
        now: Clock = utc_now,
        on_reconciled: Callable[[ReconciliationReport], None] | None = None,
    ) -> None:
        self._runs = runs
        self._reconciliation = reconciliation
        self._business_clock = business_clock
        self._now = now
        self.on_reconciled = on_reconciled

    def request(self, requested_by: str) -> ReconciliationRun:
        """Ask for a run; the job already requested or running when there is one."""
        return self._runs.request(requested_by, self._now())

    def run(self, run_id: int) -> ReconciliationRun | None:
        return self._runs.get(run_id)

    def recover(self) -> int:
        """At start: jobs a stopped process left running are requested again."""
        return self._runs.requeue_running()

    def run_requested(self) -> ReconciliationRun | None:
        """Run the requested job, if there is one and this process claims it."""
        job = self._runs.claim(self._now())
        if job is None:
            return None
        as_of = self._business_clock().date()
        try:
            report = self._reconciliation.run(as_of)
        except Exception as error:  # the job records why; the scheduler carries on
            self._runs.fail(job.id, f"{type(error).__name__}: {error}", self._now())
        else:
            self._runs.finish(job.id, as_of, stored_report(report), self._now())
            if self.on_reconciled is not None:
                self.on_reconciled(report)
        return self._runs.get(job.id)

    def latest(self) -> dict[str, Any]:
        """The last finished run's report, when it ran, and the job under way if any.

        Reads only: a run that never happened shows no discrepancies and `ran_at` None.
        """
        done = self._runs.last_done()
        finished = self._runs.last_finished()
        pending = self._runs.pending()
        report: Mapping[str, Any] = {}
        if done is not None and done.report is not None:
            report = done.report
        return {
            "discrepancies": list(report.get("discrepancies", [])),
            "skipped": dict(report.get("skipped", {})),
            "not_compared": dict(report.get("not_compared", {})),
            "as_of": None if done is None or done.as_of is None else done.as_of.isoformat(),
            "ran_at": None
            if done is None or done.finished_at is None
            else done.finished_at.isoformat(),
            "last_run": None if finished is None else finished.summary(),
            "pending": None if pending is None else pending.summary(),
        }
