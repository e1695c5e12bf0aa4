"""The sandbox's speed limit comes from its feeds' retention and the hub's read gap."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accord.cli.sandbox_speed import (
    DEFAULT_SPEED,
    FEED_RETENTION,
    SpeedTooHigh,
    check_speed,
    max_speed,
)


def test_the_limit_is_the_shortest_retention_over_the_longest_gap_between_reads() -> None:
    # CRM change feed: 72 simulated hours; a tick (1 s) plus an open circuit (30 s).
    assert max_speed() == pytest.approx(72 * 3600 / 31)
    assert max_speed() > DEFAULT_SPEED


def test_a_shorter_retention_lowers_the_limit() -> None:
    feeds = FEED_RETENTION | {"PSA event feed": timedelta(hours=31)}
    assert max_speed(feeds) == pytest.approx(3600)
    with pytest.raises(SpeedTooHigh, match="PSA event feed"):
        check_speed(DEFAULT_SPEED, allow_lost_changes=False, feeds=feeds)


def test_a_faster_speed_is_refused_unless_lost_changes_are_allowed() -> None:
    check_speed(DEFAULT_SPEED, allow_lost_changes=False)
    with pytest.raises(SpeedTooHigh, match="--allow-lost-changes"):
        check_speed(86_400, allow_lost_changes=False)
    check_speed(86_400, allow_lost_changes=True)
    with pytest.raises(SpeedTooHigh, match="positive"):
        check_speed(0, allow_lost_changes=True)
