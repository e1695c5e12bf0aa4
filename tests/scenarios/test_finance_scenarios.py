"""Scenarios of unusual but legitimate contracts (issue 14) pass `--check`.

Each one failed before its fix: revenue against a raised cap and under per-entry
rounding, an expense re-approved after invoicing, fixed-fee time read as unbilled, and
a missing FX rate in cost-to-cost revenue aborting the report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FILES = sorted((Path(__file__).parent / "finance").glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_finance_scenario_matches_its_expectations(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "accord.cli", "scenario", "run", str(path), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert json.loads(result.stdout)["scenario"] == path.stem
