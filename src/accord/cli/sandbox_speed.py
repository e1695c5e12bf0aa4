"""How fast the embedded sandbox may run before its change feeds lose changes.

The hub reads each sandbox feed (the PSA's event feed, the CRM's change data capture)
at every scheduler tick; while a system is down, its connector's circuit breaker holds
the reads back for `reset_after` real seconds. A feed keeps its events for `RETENTION`
simulated seconds, so the longest real gap between two reads must stay shorter than the
retention divided by the speed: above `retention / gap` simulated seconds per real
second, an event can age out of the feed before the hub reads it — a change lost for
good, as with a real system down for longer than its retention.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import timedelta

from accord.connectors.sandbox.servers.crm import RETENTION as CRM_RETENTION
from accord.connectors.sandbox.servers.psa import RETENTION as PSA_RETENTION
from accord.connectors.sdk.resilience import CircuitBreaker
from accord.loops.hub_process import Intervals

FEED_RETENTION = {"PSA event feed": PSA_RETENTION, "CRM change feed": CRM_RETENTION}
FEED_OF = {"sandbox-psa": "PSA event feed", "sandbox-crm": "CRM change feed"}
"""The connectors that read a feed with a retention; the vendor connectors poll by
modification stamp (with a look-back window), which ages out of nothing."""
READ_GAP_SECONDS = CircuitBreaker().reset_after + Intervals().tick
"""The longest real time between two reads of a feed: a tick plus an open circuit."""
DEFAULT_SPEED = 7_200.0
"""Two simulated hours a second: below `max_speed()`, so no change is lost."""


def feeds_read(connectors: Iterable[str]) -> dict[str, timedelta]:
    """The sandbox feeds a hub with these `connectors` (entry-point names) reads."""
    return {FEED_OF[c]: FEED_RETENTION[FEED_OF[c]] for c in connectors if c in FEED_OF}


def shortest_feed(feeds: Mapping[str, timedelta] = FEED_RETENTION) -> tuple[str, float]:
    """The feed with the shortest retention, and that retention in simulated seconds."""
    name = min(feeds, key=lambda feed: feeds[feed])
    return name, feeds[name].total_seconds()


def max_speed(feeds: Mapping[str, timedelta] = FEED_RETENTION) -> float:
    """The fastest speed at which every feed (by default the sandbox's) is read within its
    retention; with no feed read, none can age out."""
    if not feeds:
        return math.inf
    return shortest_feed(feeds)[1] / READ_GAP_SECONDS


class SpeedTooHigh(ValueError):
    """A sandbox speed at which the hub can lose changes."""


def check_speed(
    speed: float, *, allow_lost_changes: bool, feeds: Mapping[str, timedelta] = FEED_RETENTION
) -> None:
    """Refuse `speed` unless it keeps every feed (by default the sandbox's) within
    retention, or the user accepts losing changes; a speed must be positive."""
    if speed <= 0:
        raise SpeedTooHigh(
            f"--speed must be positive (got {speed:g}); the default is {DEFAULT_SPEED:,.0f}"
        )
    limit = max_speed(feeds)
    if speed > limit and not allow_lost_changes:
        feed, retention = shortest_feed(feeds)
        raise SpeedTooHigh(
            f"--speed {speed:,.0f} is faster than the sandbox's feeds allow: the {feed} "
            f"keeps {retention / 3600:,.0f} simulated hours of changes and the hub may go "
            f"{READ_GAP_SECONDS:.0f} real seconds between two reads, so above "
            f"{limit:,.0f}x changes can be lost. Choose --speed {int(limit)} or less "
            f"(default {DEFAULT_SPEED:,.0f}), or add --allow-lost-changes to run faster "
            "anyway."
        )
