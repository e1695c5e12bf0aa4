"""The simulated clock every sandbox system reads instead of the wall clock.

Scenario runs freeze it and move it event by event; `make run` lets it run fast (one
simulated day per real second) so the systems produce a month of activity in a minute.
`updated_since` cursors, feed timestamps, fault windows, feed retention and request
quotas all read this clock, so a test or a scenario controls time completely.

A landscape with state on disk keeps the clock's position next to it (`ClockFile`), so a
restarted one carries on where it stopped (`resume_at`) instead of going back in time
behind the records and cursors it already holds.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time; a naive value or a bare date is taken as UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def format_instant(moment: datetime) -> str:
    """Render an instant as fixed-width UTC ISO 8601, so strings sort like the instants."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class SandboxClock:
    """A settable clock that is frozen (speed 0) or runs `speed` times faster than real time.

    Thread-safe: the sandbox servers read it from request threads while the scenario
    runner or the activity generator moves it.
    """

    def __init__(
        self,
        start: datetime | None = None,
        *,
        speed: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._monotonic = monotonic
        self._base = (start or datetime.now(UTC)).astimezone(UTC)
        self._base_real = monotonic()
        self._speed = speed

    def now(self) -> datetime:
        """The current simulated instant (timezone-aware, UTC)."""
        with self._lock:
            return self._now_locked()

    def set(self, now: datetime) -> None:
        """Jump to `now`; faults whose `until` lies before it end at once."""
        if now.tzinfo is None:
            raise ValueError("SandboxClock.set needs a timezone-aware datetime, e.g. ...Z")
        with self._lock:
            self._base = now.astimezone(UTC)
            self._base_real = self._monotonic()

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by `delta` and return the new instant."""
        with self._lock:
            self._base = self._now_locked() + delta
            self._base_real = self._monotonic()
            return self._base

    @property
    def speed(self) -> float:
        return self._speed

    def run(self, speed: float) -> None:
        """Let simulated time pass `speed` times faster than real time (0 freezes it)."""
        if speed < 0:
            raise ValueError("SandboxClock speed must be 0 (frozen) or positive")
        with self._lock:
            self._base = self._now_locked()
            self._base_real = self._monotonic()
            self._speed = speed

    def _now_locked(self) -> datetime:
        if not self._speed:
            return self._base
        elapsed = (self._monotonic() - self._base_real) * self._speed
        return self._base + timedelta(seconds=elapsed)


class ClockFile:
    """Where a landscape's clock stood, as a small JSON file in its state directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def read(self) -> datetime | None:
        """The saved position; None on a fresh state directory."""
        try:
            return parse_instant(str(json.loads(self.path.read_text())["now"]))
        except FileNotFoundError:
            return None

    def write(self, now: datetime) -> None:
        """Save `now`, replacing the file whole (a crash leaves the old or the new one)."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            draft = self.path.with_suffix(".tmp")
            draft.write_text(json.dumps({"now": format_instant(now)}))
            os.replace(draft, self.path)


def resume_at(saved: datetime | None, requested: datetime | None, default: datetime) -> datetime:
    """Where a landscape's clock starts: where it stood when it last stopped, or on a
    fresh state the `requested` start (else `default`). A requested start later than
    the saved position moves the clock forward; an earlier one is ignored, because time
    never runs back behind what the systems already hold."""
    if saved is None:
        return requested or default
    return max(saved, requested) if requested else saved


class RemoteSandboxClock:
    """The clock of a sandbox landscape running in another process, read over HTTP.

    Each hub process of a scaled-out deployment reads the shared landscape's clock
    (`GET /_sandbox/clock`: now and speed) and follows it locally between reads, so it
    agrees with the landscape to within `refresh` seconds of a jump or a freeze.
    """

    def __init__(
        self,
        url: str,
        *,
        refresh: float = 0.5,
        monotonic: Callable[[], float] = time.monotonic,
        read: Callable[[str], dict[str, Any]] | None = None,
    ) -> None:
        self._url = url.rstrip("/") + "/_sandbox/clock"
        self._refresh = refresh
        self._monotonic = monotonic
        self._read = read or _read_json
        self._lock = threading.Lock()
        self._local: SandboxClock | None = None
        self._read_at = 0.0

    def now(self) -> datetime:
        with self._lock:
            if self._local is None or self._monotonic() - self._read_at >= self._refresh:
                reading = self._read(self._url)
                self._local = SandboxClock(
                    parse_instant(str(reading["now"])),
                    speed=float(reading.get("speed", 0.0)),
                    monotonic=self._monotonic,
                )
                self._read_at = self._monotonic()
            return self._local.now()


def _read_json(url: str) -> dict[str, Any]:
    import httpx

    response = httpx.get(url, timeout=10)
    response.raise_for_status()
    reading: dict[str, Any] = response.json()
    return reading
