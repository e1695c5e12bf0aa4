"""Issuing documents and auditing them commit together: a crash between the two (here,
the audit failing on the first `document.issued`) leaves neither, and the run that
follows issues and audits each document once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from accord.adapters.billing_store import SqlAlchemyAppliedRecords
from accord.application.flow_events import FlowChanges
from accord.application.steps.context import StepContext
from accord.application.steps.invoice_run import InvoiceRun
from accord.bootstrap import configure_firm
from accord.scenarios.format import load_scenario
from tests.integration.flows._flow_proc import DurableRunner
from tests.scenario_files import scenario_file

SCENARIO = scenario_file("tm-correction-de.yaml")
BEFORE_THE_RUN = 2
JANUARY = dt.date(2026, 1, 31)


class PowerCut(Exception):
    pass


class CutAtIssue(FlowChanges):
    """Flow changes whose first `document.issued` fails, as if the power went then."""

    def record(self, name: str, *args: Any) -> None:
        if name == "document.issued":
            raise PowerCut(name)
        super().record(name, *args)


def test_documents_and_their_audit_rows_commit_together(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO)
    runner = DurableRunner(scenario, tmp_path, scenario.events[0].at)
    with runner.started() as run:
        configure_firm(run.hub, run.services.billing, scenario.firm)
        run.world.seed(scenario)
        for index, event in enumerate(scenario.events[: BEFORE_THE_RUN + 1]):
            runner.advance(run, event.at)
            runner.apply(run, index, event)
            runner.settle(run)
        services = run.services
        cut = InvoiceRun(
            StepContext(
                services.billing,
                services.exceptions,
                services.steps.gateways,
                SqlAlchemyAppliedRecords(run.hub.engine),
                CutAtIssue(run.hub.governance.audit, run.hub.unit_of_work),
            )
        )
        with pytest.raises(PowerCut):
            cut.issue(JANUARY)
        left = run.services.billing.documents()

        issued = run.services.flows.invoice_run.issue(JANUARY)
        again = run.services.flows.invoice_run.issue(JANUARY)
        audited = [
            row.subject
            for row in run.hub.governance.audit.records()
            if row.action == "document.issued"
        ]

    assert left == [], "no document survives without its audit row"
    assert issued == ["INV-DE01-000001"]
    assert again == []
    assert audited == ["INV-DE01-000001"]
