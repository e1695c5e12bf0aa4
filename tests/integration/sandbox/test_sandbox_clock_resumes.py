"""A sandbox landscape with state on disk keeps its clock's position, and a restarted one
carries on from there: a later first day moves it forward, an earlier one never back."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.landscape import FIRST_DAY, Landscape, clock_start

STARTED = datetime(2026, 1, 26, tzinfo=UTC)


def _run(state: Path, start: datetime, days: int) -> datetime:
    """Run a landscape on `state` from `start`, let `days` pass, stop it; where it ended."""
    clock = SandboxClock(start=start)
    with Landscape(state, clock=clock):
        return clock.advance(timedelta(days=days))


def test_a_restarted_landscape_resumes_its_clock_where_it_stopped(tmp_path: Path) -> None:
    state = tmp_path / "sandbox"
    assert clock_start(state) == datetime.combine(FIRST_DAY, datetime.min.time(), UTC)
    assert clock_start(state, date(2026, 1, 26)) == STARTED

    stopped_at = _run(state, clock_start(state, date(2026, 1, 26)), days=9)

    assert clock_start(state) == stopped_at
    assert clock_start(state, date(2026, 1, 26)) == stopped_at, "time never runs back"
    later = date(2026, 3, 2)
    assert clock_start(state, later) == datetime(2026, 3, 2, tzinfo=UTC)


def test_a_running_clock_is_saved_as_it_runs_so_a_killed_landscape_resumes_near_it(
    tmp_path: Path,
) -> None:
    state = tmp_path / "sandbox"
    clock = SandboxClock(start=STARTED)
    landscape = Landscape(state, clock=clock).start()
    try:
        clock.run(86_400.0)  # a simulated day per second
        time.sleep(2.5)
        saved = clock_start(state)  # read while it runs, as after a SIGKILL
    finally:
        landscape.stop()
    assert STARTED + timedelta(days=1) <= saved <= clock.now()
