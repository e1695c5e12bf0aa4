"""Every public scenario passes `accord scenario run --check`, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.scenario_files import scenarios_dir

SCENARIOS = scenarios_dir()
FILES = sorted(SCENARIOS.glob("*.yaml")) + sorted(SCENARIOS.glob("*.json"))


def _accord(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accord.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_public_scenarios_are_there() -> None:
    assert FILES, f"no scenario files in {SCENARIOS}; set ACCORD_SCENARIOS_DIR"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_public_scenario_matches_its_expectations(path: Path) -> None:
    result = _accord("scenario", "run", str(path), "--check")
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout)
    assert report["scenario"] == path.stem
    assert "matches expect" in result.stderr
    _journals_balance_and_add_up_to_the_revenue_report(report)


def _journals_balance_and_add_up_to_the_revenue_report(report: dict[str, Any]) -> None:
    """Each entry balances in its entity and currency; revenue, billings and the
    contract position booked through each month equal the revenue report's row."""
    booked: dict[tuple[str, str, str, str], Decimal] = defaultdict(Decimal)
    for entry in report["journals"]:
        debit = sum(Decimal(line["debit"]) for line in entry["lines"])
        assert debit == sum(Decimal(line["credit"]) for line in entry["lines"]), entry
        for line in entry["lines"] if entry["kind"] == "revenue" else ():
            dims = line["dimensions"]
            key = (dims["contract"], dims["term"], entry["period"], line["account"])
            booked[key] += Decimal(line["credit"]) - Decimal(line["debit"])
    assert report["revenue"], "the scenario recognises no revenue to compare"
    for row in report["revenue"]:

        def through(account: str, row: dict[str, Any] = row) -> Decimal:
            return sum(
                (
                    amount
                    for (contract, term, period, role), amount in booked.items()
                    if (contract, term, role) == (row["contract"], row["term"], account)
                    and period <= row["period"]
                ),
                Decimal(0),
            )

        asset = -through("contract_asset") - through("unbilled_receivable")
        assert through("revenue") == Decimal(row["recognized_cumulative"]), row
        assert -through("billings") == Decimal(row["billed_cumulative"]), row
        assert asset == Decimal(row["contract_asset"]), row
        assert through("contract_liability") == Decimal(row["contract_liability"]), row


def test_a_changed_expectation_fails_the_check_with_a_readable_diff(tmp_path: Path) -> None:
    source = SCENARIOS / "tm-correction-de.yaml"
    text = source.read_text().replace('gross_total: "-357.00"', 'gross_total: "-356.00"')
    changed = tmp_path / "changed.yaml"
    changed.write_text(text)
    result = _accord("scenario", "run", str(changed), "--check", "--no-json")
    assert result.returncode == 1
    assert "documents[1].gross_total: expected '-356.00', got '-357.00'" in result.stderr


def test_an_invalid_scenario_is_rejected_before_anything_runs(tmp_path: Path) -> None:
    source = SCENARIOS / "tm-correction-de.yaml"
    text = source.read_text().replace('hours: "8"', "hours: 8.5")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text)
    result = _accord("scenario", "run", str(broken), "--check")
    assert result.returncode == 2
    assert "events[5].hours" in result.stderr
    assert "never as float" in result.stderr
