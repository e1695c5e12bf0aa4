"""Retry, rate limit and circuit breaker policies used by `HttpClient`.

They take the current time as an argument (or a clock callable) instead of reading the
system clock, so unit tests and the simulated-clock scenario runner drive them without
really waiting.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed call is retried.

    The n-th retry waits `min(max_delay, base_delay * 2 ** (n - 1))`, reduced by a random
    share of up to `jitter` (0 = no jitter, 1 = "full jitter") so that many clients do not
    retry in lockstep. A `Retry-After` from the server replaces the computed delay, as long
    as it is at most `max_retry_after`; a longer one ends the call at once with the wait in
    the error's `retry_after`, so the hub schedules the retry instead of blocking a thread.
    """

    max_attempts: int = 4
    base_delay: float = 0.2
    max_delay: float = 10.0
    jitter: float = 0.5
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("RetryPolicy delays must not be negative")
        if not 0 <= self.jitter <= 1:
            raise ValueError("RetryPolicy.jitter must be between 0 and 1")

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `retry_number` (1 = the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (retry_number - 1))
        share: float = rng.random()
        return ceiling * (1 - self.jitter * share)


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: `requests_per_second` on average, bursts of up to `burst` calls."""

    requests_per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        if self.requests_per_second <= 0:
            raise ValueError("RateLimit.requests_per_second must be positive")
        if self.burst < 1:
            raise ValueError("RateLimit.burst must be at least 1")


class TokenBucket:
    """Thread-safe pacing for one `RateLimit`: each caller reserves a slot, then waits."""

    def __init__(
        self, limit: RateLimit, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self._limit = limit
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(limit.burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until it is due; return the seconds waited."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            rate = self._limit.requests_per_second
            self._tokens = min(float(self._limit.burst), self._tokens + elapsed * rate)
            self._updated = now
            self._tokens -= 1
            wait = 0.0 if self._tokens >= 0 else -self._tokens / rate
        if wait > 0:
            self._sleep(wait)
        return wait


class CircuitState(StrEnum):
    """Closed: calls flow. Open: calls fail fast. Half-open: one trial call decides."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class CircuitBreaker:
    """Stops calling a system after `failure_threshold` consecutive failed attempts.

    After `reset_after` seconds open, one trial call is let through (half-open): success
    closes the circuit, failure opens it for another `reset_after`. Failures are outages
    (connection errors, timeouts, 5xx). Any other answer, a rejection or a 429 included,
    proves the system is up and counts as a success.
    """

    failure_threshold: int = 5
    reset_after: float = 30.0
    _failures: int = field(default=0, init=False)
    _state: CircuitState = field(default=CircuitState.CLOSED, init=False)
    _opened_at: float = field(default=0.0, init=False)
    _trial_in_flight: bool = field(default=False, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.failure_threshold < 1:
            raise ValueError("CircuitBreaker.failure_threshold must be at least 1")

    @property
    def state(self) -> CircuitState:
        return self._state

    def allow(self, now: float) -> bool:
        """Whether a call may be made now; moves an expired open circuit to half-open."""
        with self._lock:
            if self._state is CircuitState.OPEN and now - self._opened_at >= self.reset_after:
                self._state = CircuitState.HALF_OPEN
                self._trial_in_flight = False
            if self._state is CircuitState.CLOSED:
                return True
            if self._state is CircuitState.HALF_OPEN and not self._trial_in_flight:
                self._trial_in_flight = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._state = CircuitState.CLOSED
            self._trial_in_flight = False

    def record_failure(self, now: float) -> None:
        with self._lock:
            self._failures += 1
            if self._state is CircuitState.HALF_OPEN or self._failures >= self.failure_threshold:
                self._state = CircuitState.OPEN
                self._opened_at = now
                self._trial_in_flight = False

    def seconds_until_trial(self, now: float) -> float:
        """How long an open circuit stays open, for the error's `retry_after`."""
        return max(0.0, self._opened_at + self.reset_after - now)
