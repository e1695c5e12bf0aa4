"""The billing benches of `make bench` (growth, month end) run at tiny sizes.

Not timed: each bench checks its own outcome (every new entry pulled, applied and
invoiced on the measured contract; one invoice per contract) and raises when it does not
hold, so these tests prove the benches still run against the hub as built today.
"""

from __future__ import annotations

from typing import Any

import pytest
from bench import bench_growth, bench_month_end

pytestmark = pytest.mark.slow


def _is_ratio_row(row: dict[str, Any]) -> None:
    assert row["value"] > 0 and row["baseline_value"] > 0
    assert row["ratio"] == pytest.approx(row["value"] / row["baseline_value"])
    assert row["unit"] and row["baseline"] and row["notes"]


def _growth_rows_hold(rows: list[dict[str, Any]], backend: str) -> None:
    assert [row["name"].split(",")[0] for row in rows] == [
        "growth: scheduler tick (pull",
        "growth: scheduler tick (pull",
        "growth: month-end invoice run for one contract (100 new entries)",
        "growth: month-end invoice run for one contract (100 new entries)",
    ]
    for row in rows:
        _is_ratio_row(row)
        assert row["name"].endswith(backend)
        assert row["unit"] == "s"
        assert "peak memory" in row["notes"]
    assert [row["ratio"] for row in rows[::2]] == [1.0, 1.0]  # the smallest size is the base
    assert "400 historical entries" in rows[1]["name"]
    assert "1 invoice of 100 entries" in rows[3]["notes"]


def test_growth_bench_times_a_tick_and_a_month_end_over_two_history_sizes_on_sqlite() -> None:
    rows = bench_growth.run(sizes=(200, 400), backends=("SQLite",))

    _growth_rows_hold(rows, "SQLite")


@pytest.mark.postgres
def test_growth_bench_times_a_tick_and_a_month_end_on_postgresql(postgres_url: str) -> None:
    rows = bench_growth.run(sizes=(200, 400), backends=("PostgreSQL",))

    _growth_rows_hold(rows, "PostgreSQL")


def test_growth_bench_reports_a_size_it_cannot_seed_in_budget_as_skipped() -> None:
    rows = bench_growth.run(sizes=(200, 100_000_000), backends=("SQLite",), seed_seconds=120.0)

    skipped = [row for row in rows if "100,000,000" in row["name"]]
    assert len(skipped) == 2
    for row in skipped:
        assert row["notes"].startswith("skipped: seeding 200 took")
        assert "so 100,000,000 would take > 120 s" in row["notes"]
        assert row["value"] == 0 and row["baseline_value"] > 0


def test_month_end_bench_issues_one_invoice_per_contract_against_a_plain_insert() -> None:
    [row] = bench_month_end.run(contracts=20, backends=("SQLite",))

    _is_ratio_row(row)
    assert row["unit"] == "documents/s"
    assert "issue 20 invoices" in row["notes"]


@pytest.mark.postgres
def test_month_end_bench_runs_on_postgresql(postgres_url: str) -> None:
    [row] = bench_month_end.run(contracts=20, backends=("PostgreSQL",))

    _is_ratio_row(row)
    assert row["name"].endswith("PostgreSQL")
