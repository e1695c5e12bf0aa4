"""Lock contention in the store: what it is, and how a step rides it out.

A store that cannot take a lock in time (SQLite busy with another writer, a PostgreSQL
lock timeout, serialization failure or deadlock) raises `StoreBusy`: nothing of the
transaction was kept, and the same call may well succeed a moment later. A user is told
so (503 with `Retry-After`); a flow step tries again within its `TransientBudget`, and
past it the flow waits on a `system_unavailable` exception instead of failing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from accord.domain.retry import TransientBudget

R = TypeVar("R")


class StoreBusy(Exception):
    """The store could not take a lock in time; nothing was changed. Try again later."""

    retry_after_seconds = 2
    """How long a client should wait before sending the same request again."""


def retrying_while_busy(
    call: Callable[[], R],
    budget: TransientBudget,
    sleep: Callable[[float], None] = time.sleep,
) -> R:
    """`call()`, tried again after each `StoreBusy` while the budget lasts; the last
    `StoreBusy` is raised once it is spent. Safe only for an idempotent `call` (every
    flow step is: it writes by business key)."""
    for delay in budget.delays():
        try:
            return call()
        except StoreBusy:
            sleep(delay)
    return call()
