"""The sandbox's speed limit comes from its feeds' retention and the hub's read gap."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accord.cli.sandbox_speed import (
    DEFAULT_SPEED,
    FEED_RETENTION,
    SpeedTooHigh,
    check_speed,
    feeds_read,
    max_speed,
)
from accord.landscape import Landscape


def _connectors(landscape: Landscape) -> list[str]:
    return [system.connector for system in landscape.entries().values()]


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


def test_the_default_landscape_reads_no_feed_that_ages_out_so_any_speed_loses_nothing() -> None:
    feeds = feeds_read(_connectors(Landscape.default()))
    assert feeds == {}
    assert max_speed(feeds) == float("inf")
    check_speed(864_000, allow_lost_changes=False, feeds=feeds)


def test_the_generic_systems_feeds_limit_the_speed_of_a_landscape_that_reads_them() -> None:
    feeds = feeds_read(_connectors(Landscape.default(vendors=False)))
    assert feeds == FEED_RETENTION
    with pytest.raises(SpeedTooHigh, match="CRM change feed"):
        check_speed(86_400, allow_lost_changes=False, feeds=feeds)
    assert feeds_read(["salesforce", "sandbox-psa"]) == {
        "PSA event feed": FEED_RETENTION["PSA event feed"]
    }
