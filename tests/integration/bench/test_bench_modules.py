"""The `make bench` modules run end to end at small sizes and report honest rows.

Each bench checks its own outcome (every entry billed and both paths agreeing on the
amount, every backlog event applied once, every approved entry posted) and raises when
it does not hold; these tests run them small so a change that breaks a bench shows up
in the suite rather than in the next full `make bench`.
"""

from __future__ import annotations

from typing import Any

import pytest
from bench import bench_approved_time, bench_cli, bench_latency, bench_scale

pytestmark = pytest.mark.slow


def _is_ratio_row(row: dict[str, Any]) -> None:
    assert row["value"] > 0 and row["baseline_value"] > 0
    assert row["ratio"] == pytest.approx(row["value"] / row["baseline_value"])
    assert row["unit"] and row["baseline"] and row["notes"]


def test_approved_time_bench_bills_every_entry_both_ways_for_the_same_amount() -> None:
    [row] = bench_approved_time.run(entries=120)

    _is_ratio_row(row)
    assert row["unit"] == "entries/s"
    assert "agree on the net amount" in row["notes"]
    assert row["ratio"] > 1  # batching beats a workflow per entry even at this size


@pytest.mark.postgres
def test_scale_bench_applies_one_backlog_with_one_two_and_four_workers(
    postgres_url: str,
) -> None:
    rows = bench_scale.run(events=3_000, rounds=1)

    speed_ups, efficiency = rows[:3], rows[3:]
    assert [row["name"].split(" worker")[0] for row in speed_ups] == [
        "scale: 1",
        "scale: 2",
        "scale: 4",
    ]
    assert [row["name"].split(" worker")[0] for row in efficiency] == [
        "workers: events per CPU-second, 1",
        "workers: events per CPU-second, 2",
        "workers: events per CPU-second, 4",
    ]
    for row in rows:
        _is_ratio_row(row)
    assert speed_ups[0]["ratio"] == 1 and efficiency[0]["ratio"] == 1
    assert all(row["unit"] == "events/CPU-s" for row in efficiency)
    shares = speed_ups[2]["notes"].split("events per worker [")[1].split("]")[0]
    assert sum(int(share) for share in shares.split(",")) == 3_000


def test_webhook_latency_bench_measures_webhooks_and_healthz_under_one_load() -> None:
    p50, p99 = bench_latency.webhook_latency(rate=40, seconds=4, warm_up=1)

    for row in (p50, p99):
        _is_ratio_row(row)
        assert row["unit"] == "ms"
    assert p50["value"] <= p99["value"]
    assert "60 webhooks and 60 /healthz counted" in p50["notes"]


def test_approval_to_posted_bench_follows_each_entry_to_its_posted_invoice() -> None:
    p50, p99 = bench_latency.approval_latency(rate=2, seconds=6, warm_up=2)

    for row in (p50, p99):
        _is_ratio_row(row)
    assert p50["value"] <= p99["value"]
    # an entry waits at least for a hub cycle: pull, apply, invoice, post
    assert p50["value"] > p50["baseline_value"]


def test_cli_bench_times_accord_help_against_a_bare_interpreter() -> None:
    [row] = bench_cli.run(runs=1)

    _is_ratio_row(row)
    assert row["unit"] == "ms"
    assert row["value"] < 5_000  # lazy imports: the help never loads the whole hub
