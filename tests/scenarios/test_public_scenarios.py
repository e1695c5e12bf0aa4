"""Every public scenario passes `accord scenario run --check`, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIOS = Path(
    os.environ.get("ACCORD_SCENARIOS_DIR", Path(__file__).parents[3] / "shared" / "scenarios")
)
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
