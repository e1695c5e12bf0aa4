"""Scenario input that cannot run is rejected before anything runs, naming the field."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from accord.scenarios.format import ScenarioError, parse_scenario
from tests.scenario_files import scenarios_dir

SCENARIOS = scenarios_dir()
SCENARIO = SCENARIOS / "tm-correction-de.yaml"


def scenario_with(*events: dict[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    raw.pop("expect")
    raw["events"] = [
        {"at": "2026-01-02", "type": "contract.signed", "contract": "K1"},
        *events,
    ]
    return raw


def approved_time(hours: str) -> dict[str, Any]:
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
    (problem,) = _problems(scenario_with(approved_time(hours)))
    assert problem[0] == "events[1].hours"
    assert "whole number of minutes" in problem[1]


@pytest.mark.parametrize("hours", ["7.35", "0.25", "1.5", "0.1", "10"])
def test_whole_minutes_pass(hours: str) -> None:
    corrected = {"at": "2026-02-01", "type": "time.corrected", "id": "T1", "hours": hours}
    assert len(parse_scenario(scenario_with(approved_time(hours), corrected)).events) == 3


def test_a_corrected_hour_count_must_be_whole_minutes_too() -> None:
    corrected = {"at": "2026-02-01", "type": "time.corrected", "id": "T1", "hours": "0.001"}
    (problem,) = _problems(scenario_with(approved_time("1"), corrected))
    assert problem[0] == "events[2].hours"


def test_a_correction_of_an_entry_never_approved_is_refused() -> None:
    corrected = {"at": "2026-02-01", "type": "time.corrected", "id": "T9", "hours": "1"}
    (problem,) = _problems(scenario_with(approved_time("1"), corrected))
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
    (problem,) = _problems(scenario_with(resolved))
    assert problem[0] == "events[1].kind"
