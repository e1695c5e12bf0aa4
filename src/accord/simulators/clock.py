"""The time a simulator stamps its records with.

Alone, a simulator's stamps start at a fixed moment and move one step per write, so a
test knows them. On the sandbox's clock (`Clock`: its `now`) they follow the simulated
time the whole landscape shares; either way they only ever increase, as a vendor's
modification stamps do, so change detection by stamp sees every write.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

Clock = Callable[[], datetime]
"""Now, timezone-aware: the sandbox clock's `now`."""


def next_stamp(last: datetime, clock: Clock | None, step: timedelta) -> datetime:
    """The stamp after `last`: the clock's now, or `step` past `last` when there is no
    clock or it has not moved past `last`."""
    following = last + step
    return max(following, clock()) if clock is not None else following
