"""The hub process runs reconciliation as a job: it requests one when its interval is up
and runs the job requested (by it, the API or the dashboard) at the next tick."""

from __future__ import annotations

from datetime import UTC, datetime

from accord.loops.hub_process import HubProcess, Intervals
from tests.unit.flows.test_retry_backoff import FakeClock, FakeExceptions, _scheduler


class FakeJobs:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def request(self, requested_by: str) -> None:
        self.calls.append(f"request by {requested_by}")

    def run_requested(self) -> None:
        self.calls.append("run requested")

    def recover(self) -> int:
        return 0


def test_the_scheduler_requests_a_run_on_its_interval_and_runs_requested_jobs() -> None:
    clock, jobs = FakeClock(), FakeJobs()
    process = HubProcess(
        None,  # type: ignore[arg-type]
        _scheduler(FakeExceptions()),
        jobs,  # type: ignore[arg-type]
        lambda: datetime(2026, 1, 20, tzinfo=UTC),
        Intervals(retry=30, reconcile=60),
        monotonic=clock,
    )
    process.last_billed = datetime(2025, 12, 31).date()
    for second in (1, 30, 61):
        clock.now = float(second)
        process.run_once()
    assert jobs.calls == [
        "run requested",
        "run requested",
        "request by scheduler",
        "run requested",
    ]


def test_the_scheduler_sends_the_notifications_due_on_its_interval() -> None:
    clock, ticks = FakeClock(), []
    process = HubProcess(
        None,  # type: ignore[arg-type]
        _scheduler(FakeExceptions()),
        None,
        lambda: datetime(2026, 1, 20, tzinfo=UTC),
        Intervals(notify=60),
        monotonic=clock,
        notify=lambda: ticks.append(clock.now),
    )
    process.last_billed = datetime(2025, 12, 31).date()
    for second in (1, 30, 61, 62):
        clock.now = float(second)
        process.run_once()
    assert ticks == [1.0, 61.0]
