"""When to try again a flow that waits on a cause that may pass by itself.

A flow parked on a system that is down (or on a record not yet received) is nudged to
retry its step. Nudging every waiting flow at every scheduler tick turns a long outage
into a burst of failing calls each second; instead each exception waits its own delay,
doubled after every nudge up to a ceiling, so a short blip is retried soon and a long
outage is probed ever more rarely. A new exception (the cause came back after a success)
starts over from the first delay. With a `budget`, an exception is retried that many
times on its own; then it waits for a person, and `spent` names it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class _Due:
    at: float
    delay: float
    tries: int = 0


@dataclass
class RetryBackoff:
    """Per exception, when its waiting flow is next due a retry (times in seconds on any
    monotonic clock)."""

    first: float = 30.0
    """The delay before the first retry, from when the exception was first seen."""
    ceiling: float = 120.0
    """The longest delay between two retries of one exception."""
    budget: int | None = None
    """How many retries one exception gets on its own (None: no limit)."""
    spent: list[int] = field(default_factory=list)
    """The exceptions whose budget the last `due` call found spent (each named once)."""
    _due: dict[int, _Due] = field(default_factory=dict)

    def due(
        self, waiting: Iterable[int], now: float, budgets: Mapping[int, int | None] | None = None
    ) -> list[int]:
        """The exceptions among `waiting` whose retry is due at `now`, each then pushed
        back by twice its last delay; exceptions no longer waiting are forgotten.
        `budgets` gives some exceptions a budget of their own (their flow's criticality
        class); the others have `budget`."""
        current = set(waiting)
        self._due = {key: due for key, due in self._due.items() if key in current}
        ready, self.spent = [], []
        for key in sorted(current):
            due = self._due.get(key)
            budget = budgets.get(key, self.budget) if budgets else self.budget
            if due is None:
                self._due[key] = _Due(now + self.first, self.first)
            elif now >= due.at and budget is not None and due.tries >= budget:
                self._due[key] = _Due(float("inf"), due.delay, due.tries)
                self.spent.append(key)
            elif now >= due.at:
                delay = min(due.delay * 2, self.ceiling)
                self._due[key] = _Due(now + delay, delay, due.tries + 1)
                ready.append(key)
        return ready


@dataclass(frozen=True)
class TransientBudget:
    """How long one step keeps trying through a transient failure (a store busy with
    another writer) before it gives up and the flow opens an exception instead.

    `attempts` tries in all; after a failed one the step waits `first` seconds, twice as
    long after each further one, up to `ceiling`. The default rides out about half a
    minute of contention, longer than any single write of the hub should hold a lock.
    """

    attempts: int = 8
    first: float = 0.25
    ceiling: float = 8.0

    def delays(self) -> list[float]:
        """The waits between attempts, in order (one fewer than the attempts)."""
        return [min(self.first * 2**n, self.ceiling) for n in range(max(self.attempts - 1, 0))]
