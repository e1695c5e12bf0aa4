"""Outages and throttling change when documents reach the systems, never what they hold.

A public scenario is played twice through the real hub, flows (DBOS on SQLite) and the
sandbox: as published, and with ERP, billing and PSA faults injected around its invoice
runs. The documents, and what the ERP, billing and PSA hold (read back through their
APIs), must be the same; the system_unavailable exceptions must have closed themselves.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from accord.bootstrap import build_hub
from accord.domain.exceptions import ExceptionKind, ExceptionStatus
from accord.scenarios.format import parse_scenario
from accord.scenarios.runner import ScenarioRunner
from accord.settings import Settings
from tests.scenario_files import scenario_file

SCENARIO = scenario_file("tm-correction-de.yaml")

FAULTS = [
    {
        "at": "2026-01-31",
        "type": "system.fault",
        "system": "erp",
        "kind": "unavailable",
        "until": "2026-02-03",
    },
    {
        "at": "2026-01-31",
        "type": "system.fault",
        "system": "billing",
        "kind": "throttle",
        "until": "2026-02-01",
    },
    {
        "at": "2026-02-28",
        "type": "system.fault",
        "system": "erp",
        "kind": "throttle",
        "until": "2026-03-01",
    },
    {
        "at": "2026-02-28",
        "type": "system.fault",
        "system": "psa",
        "kind": "unavailable",
        "until": "2026-03-02",
    },
]


def _with_faults(raw: dict[str, Any]) -> dict[str, Any]:
    """The same timeline with each fault placed before the events of its day."""
    events = [*raw["events"]]
    for fault in FAULTS:
        day = dt.date.fromisoformat(fault["at"])
        at = next(i for i, e in enumerate(events) if e["at"] >= day)
        events.insert(at, {**fault, "at": day, "until": dt.date.fromisoformat(fault["until"])})
    return {**raw, "events": events, "expect": {}}


def _play(raw: dict[str, Any], workdir: Path) -> dict[str, Any]:
    workdir.mkdir()
    return ScenarioRunner(parse_scenario(raw, "test"), workdir).run()


def test_faults_around_invoice_runs_leave_the_same_documents_posted_once(tmp_path: Path) -> None:
    raw = yaml.safe_load(SCENARIO.read_text())

    clean = _play({**raw, "expect": {}}, tmp_path / "clean")
    faulted = _play(_with_faults(raw), tmp_path / "faulted")

    assert faulted["documents"] == clean["documents"]
    assert faulted["systems"] == clean["systems"]
    assert faulted["systems"]["erp"]["documents"] == len(clean["documents"]) > 0
    assert faulted["exceptions"] == clean["exceptions"] == []
    hub = build_hub(
        Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'faulted' / 'accord.sqlite'}")
    )
    try:
        closed = hub.exceptions(
            kind=ExceptionKind.SYSTEM_UNAVAILABLE, status=ExceptionStatus.RESOLVED
        )
    finally:
        hub.close()
    assert {record.subject for record in closed}, "the outage never reached a flow"
