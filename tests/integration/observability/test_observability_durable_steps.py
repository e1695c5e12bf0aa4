"""`@instrumented_step` under `@DBOS.step()`: a durable step is counted and traced when it
executes, and a workflow found again by its id is not counted a second time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dbos import DBOS, SetWorkflowID

from accord.application.steps.context import StepOutcome
from accord.observability import business_transaction, instrumented_step
from accord.observability.metrics import HubMetrics
from accord.observability.tracing import read_trace_file

calls: list[str] = []


@DBOS.step()
@instrumented_step("observability_probe", "reach_erp")
def reach_erp(contract: str) -> StepOutcome:
    calls.append(contract)
    if len(calls) == 1:
        return StepOutcome(False, "system_unavailable", "erp: 503", "erp")
    return StepOutcome.ok()


@DBOS.workflow()
def probe_activation(contract: str) -> int:
    with business_transaction("contract", contract):
        attempts = 1
        while not reach_erp(contract).done:
            attempts += 1
        return attempts


@pytest.fixture
def dbos(tmp_path: Path) -> Iterator[None]:
    DBOS(
        config={
            "name": "accord-observability-probe",
            "system_database_url": f"sqlite:///{tmp_path / 'dbos.sqlite'}",
            "run_admin_server": False,
        }
    )
    DBOS.launch()
    yield
    DBOS.destroy(workflow_completion_timeout_sec=0)


def test_durable_steps_are_counted_once_and_traced_in_the_contract_trace(
    dbos: None, metrics: HubMetrics, trace_file: Path
) -> None:
    calls.clear()
    for _ in range(2):
        with SetWorkflowID("probe-activate:C-42"):
            assert DBOS.start_workflow(probe_activation, "C-42").get_result() == 2

    assert calls == ["C-42", "C-42"]
    step = {"flow": "observability_probe", "step": "reach_erp"}
    sample = metrics.registry.get_sample_value
    assert sample("accord_flow_step_runs_total", step) == 2
    assert sample("accord_flow_step_failures_total", {**step, "kind": "system_unavailable"}) == 1
    spans = [s for s in read_trace_file(trace_file) if s["name"] == "observability_probe.reach_erp"]
    assert [s["status"] for s in spans] == ["ERROR", "UNSET"]
    assert len({s["trace_id"] for s in spans}) == 1
