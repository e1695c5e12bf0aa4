"""`accord scenario run` refuses input that cannot run with exit 2 and a message naming
what is wrong, never a traceback — run as a user runs it, in its own process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.unit.scenarios.test_scenario_validation import approved_time, scenario_with


def _run(path: Path, raw: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "accord.cli", "scenario", "run", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"COLUMNS": "200", "PATH": str(Path(sys.executable).parent)},
    )


def test_hours_that_are_not_minutes_exit_2_naming_the_field(tmp_path: Path) -> None:
    result = _run(tmp_path / "odd-hours.yaml", scenario_with(approved_time("1.005")))
    assert result.returncode == 2, result.stderr[-3000:]
    assert "events[1].hours" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_resolving_an_exception_that_is_not_open_exits_2_with_a_message(tmp_path: Path) -> None:
    resolved = {
        "at": "2026-02-01",
        "type": "exception.resolved",
        "kind": "missing_tax_rule",
        "subject": "K1",
        "action": "approve",
    }
    result = _run(tmp_path / "nothing-open.yaml", scenario_with(approved_time("1"), resolved))
    output = result.stdout + result.stderr
    assert result.returncode == 2, result.stderr[-3000:]
    assert "events[2]" in output
    assert "no open missing_tax_rule exception about K1" in output
    assert "Traceback" not in output
