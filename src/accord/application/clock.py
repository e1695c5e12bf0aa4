"""The two clocks a hub runs on, and never mixes.

The *business clock* (`Clock`) is what billing, flows, exception SLAs and KPIs call
"now": under `make run` it is the sandbox's simulated clock, running a day a second; in
production it is real time (`utc_now`). The *wall clock* (`WallClock`) is always real
time: governance runs on it and on nothing else — API-key and session expiry, audit
timestamps, retention, the purges of idempotency keys and webhook signatures. A 90-day
key must not expire after 90 simulated days, nor retention erase a document after a year
of simulated time.

`WallClock` is a class, not a `Callable` alias, so mypy refuses a business clock where
governance expects the wall clock; tests subclass it to pin real time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""A business clock."""


def utc_now() -> datetime:
    """The business clock of a hub on real time (production, tests that do not pin time)."""
    return datetime.now(UTC)


class WallClock:
    """Real UTC time, whatever business clock the hub runs on: governance's only clock."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)


wall_clock = WallClock()
"""The wall clock governance is wired with (`accord.adapters.governance`)."""
