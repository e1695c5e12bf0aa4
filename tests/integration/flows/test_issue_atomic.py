"""Issuing documents and auditing them commit together: a crash between the two (here,
the audit failing on the first `document.issued`) leaves neither, and the run that
follows issues and audits each document once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from accord.application.flow_events import FlowChanges
from accord.bootstrap import configure_firm
from accord.scenarios.format import load_scenario
from tests.integration.flows._flow_proc import DurableRunner
from tests.scenario_files import scenario_file

SCENARIO = scenario_file("tm-correction-de.yaml")
BEFORE_THE_RUN = 2
JANUARY = dt.date(2026, 1, 31)


class PowerCut(Exception):
    pass


def test_documents_and_their_audit_rows_commit_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_scenario(SCENARIO)
    runner = DurableRunner(scenario, tmp_path, scenario.events[0].at)
    with runner._started() as run:
        configure_firm(run.hub, run.services.billing, scenario.firm)
        run.world.seed(scenario)
        for index, event in enumerate(scenario.events[: BEFORE_THE_RUN + 1]):
            runner._advance(run, event.at)
            runner._apply(run, index, event)
            runner._settle(run)
        record = FlowChanges.record

        def cut_at_issue(self: FlowChanges, name: str, *args: Any) -> None:
            if name == "document.issued":
                raise PowerCut(name)
            record(self, name, *args)

        monkeypatch.setattr(FlowChanges, "record", cut_at_issue)
        with pytest.raises(PowerCut):
            run.services.contract_to_cash.issue(JANUARY)
        left = run.services.billing.documents()
        monkeypatch.setattr(FlowChanges, "record", record)

        issued = run.services.contract_to_cash.issue(JANUARY)
        again = run.services.contract_to_cash.issue(JANUARY)
        audited = [
            row.subject
            for row in run.hub.governance.audit.records()
            if row.action == "document.issued"
        ]

    assert left == [], "no document survives without its audit row"
    assert issued == ["INV-DE01-000001"]
    assert again == []
    assert audited == ["INV-DE01-000001"]
