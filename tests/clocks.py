"""Clocks for tests: a pinned wall clock for governance."""

from __future__ import annotations

from datetime import datetime, timedelta

from accord.application.clock import WallClock


class FakeWallClock(WallClock):
    """Real time as a test wants it: pinned at `now`, moved by `advance`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by
