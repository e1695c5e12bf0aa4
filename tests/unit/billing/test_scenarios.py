"""Every document and figure in the scenarios' `expect` blocks, reproduced by the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.billing.scenario_player import SCENARIOS, Player, load_scenario

ENGINE_KEYS = ("documents", "held", "intercompany", "retainers", "exceptions", "systems")


def subset_differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """The scenario format's comparison: objects by expected keys, lists element-wise."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        found = []
        for key, value in expected.items():
            if key not in actual:
                found.append(f"{path}.{key}: missing")
            else:
                found += subset_differences(value, actual[key], f"{path}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        found = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found += subset_differences(e, a, f"{path}[{i}]")
        return found
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def _scenarios() -> list[Path]:
    return sorted(SCENARIOS.glob("*.yaml"))


def test_the_scenarios_are_there() -> None:
    assert len(_scenarios()) >= 3, f"no scenario files under {SCENARIOS}"


@pytest.mark.parametrize("path", _scenarios(), ids=lambda p: p.stem)
def test_engine_reproduces_expected_documents_and_figures(path: Path) -> None:
    scenario = load_scenario(path)
    report = Player(scenario).play()
    expected = {k: v for k, v in scenario["expect"].items() if k in ENGINE_KEYS}
    systems = expected.get("systems", {})
    expected["systems"] = {
        name: figures for name, figures in systems.items() if name in ("erp", "billing", "psa")
    }
    assert subset_differences(expected, report) == []
