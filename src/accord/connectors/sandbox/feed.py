"""Unreliable delivery of a change feed: duplicates and reordering, reproducibly.

Both effects are decided per event from its sequence number (not from a shared random
stream), so every page of one read sees the same delivery order and the same duplicates
and keyset/offset paging stays consistent while faults are on.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

from accord.connectors.sandbox.faults import FaultKind, FaultPlan
from accord.connectors.sandbox.store import StoredEvent


def _draw(seq: int, salt: int) -> float:
    return random.Random(seq * 1_000_003 + salt).random()


def deliver(
    events: Sequence[StoredEvent], faults: FaultPlan, now: datetime, path: str
) -> list[StoredEvent]:
    """The order (with repeats) in which a misbehaving feed hands `events` out.

    Reorder shuffles the events; duplicate repeats a share of them, the copy arriving
    later in the read, so a consumer sees it on a later page.
    """
    duplicate_rate = faults.chance(FaultKind.DUPLICATE, now, path)
    reorder_rate = faults.chance(FaultKind.REORDER, now, path)
    delivered = list(events)
    if reorder_rate:
        moved = [e for e in delivered if _draw(e.seq, 11) < reorder_rate]
        stay = [e for e in delivered if _draw(e.seq, 11) >= reorder_rate]
        moved.sort(key=lambda e: _draw(e.seq, 13))
        delivered = _interleave(stay, moved)
    if duplicate_rate:
        copies = [e for e in delivered if _draw(e.seq, 17) < duplicate_rate]
        delivered += sorted(copies, key=lambda e: _draw(e.seq, 19))
    return delivered


def _interleave(stay: list[StoredEvent], moved: list[StoredEvent]) -> list[StoredEvent]:
    """Put each moved event at a pseudo-random position among the others."""
    result = list(stay)
    for event in moved:
        result.insert(int(_draw(event.seq, 23) * (len(result) + 1)), event)
    return result
