"""Scenario input that cannot run is rejected before anything runs, naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from accord.cli.main import app
from accord.scenarios.format import ScenarioError, parse_scenario

SCENARIO = Path("/work/shared/scenarios/tm-correction-de.yaml")


def _raw(*events: dict[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    raw.pop("expect")
    raw["events"] = [
        {"at": "2026-01-02", "type": "contract.signed", "contract": "K1"},
        *events,
    ]
    return raw


def _approved(hours: str) -> dict[str, Any]:
    return {
        "at": "2026-01-12",
        "type": "time.approved",
        "id": "T1",
        "contract": "K1",
        "term": "TM",
        "resource": "R1",
        "date": "2026-01-09",
        "hours": hours,
    }


def _problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as error:
        parse_scenario(raw)
    return error.value.problems


@pytest.mark.parametrize("hours", ["1.005", "0.3333", "2.01"])
def test_hours_that_are_not_whole_minutes_are_refused_by_field(hours: str) -> None:
    (problem,) = _problems(_raw(_approved(hours)))
    assert problem[0] == "events[1].hours"
    assert "whole number of minutes" in problem[1]


@pytest.mark.parametrize("hours", ["7.35", "0.25", "1.5", "0.1", "10"])
def test_whole_minutes_pass(hours: str) -> None:
    corrected = {"at": "2026-02-01", "type": "time.corrected", "id": "T1", "hours": hours}
    assert len(parse_scenario(_raw(_approved(hours), corrected)).events) == 3


def test_a_corrected_hour_count_must_be_whole_minutes_too() -> None:
    corrected = {"at": "2026-02-01", "type": "time.corrected", "id": "T1", "hours": "0.001"}
    (problem,) = _problems(_raw(_approved("1"), corrected))
    assert problem[0] == "events[2].hours"


def test_a_correction_of_an_entry_never_approved_is_refused() -> None:
    corrected = {"at": "2026-02-01", "type": "time.corrected", "id": "T9", "hours": "1"}
    (problem,) = _problems(_raw(_approved("1"), corrected))
    assert problem == (
        "events[2].id",
        "time entry T9 is corrected before any time.approved event approved it",
    )


def test_resolving_an_unknown_kind_of_exception_is_refused() -> None:
    resolved = {
        "at": "2026-02-01",
        "type": "exception.resolved",
        "kind": "no_such_kind",
        "subject": "K1",
        "action": "approve",
    }
    (problem,) = _problems(_raw(resolved))
    assert problem[0] == "events[1].kind"


def test_cli_exits_2_naming_the_field_for_hours_that_are_not_minutes(tmp_path: Path) -> None:
    path = tmp_path / "odd-hours.yaml"
    path.write_text(yaml.safe_dump(_raw(_approved("1.005"))), encoding="utf-8")
    result = CliRunner().invoke(app, ["scenario", "run", str(path)])
    assert result.exit_code == 2, result.output
    assert "events[1].hours" in result.output
    assert "Traceback" not in result.output


def test_cli_exits_2_with_a_message_when_resolving_an_exception_that_is_not_open(
    tmp_path: Path,
) -> None:
    resolved = {
        "at": "2026-02-01",
        "type": "exception.resolved",
        "kind": "missing_tax_rule",
        "subject": "K1",
        "action": "approve",
    }
    path = tmp_path / "nothing-open.yaml"
    path.write_text(yaml.safe_dump(_raw(_approved("1"), resolved)), encoding="utf-8")
    result = CliRunner().invoke(app, ["scenario", "run", str(path)])
    assert result.exit_code == 2, result.output
    assert "events[2]" in result.output
    assert "no open missing_tax_rule exception about K1" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
