"""The real flows record their steps: runs, and failures while the ERP is down."""

from __future__ import annotations

from pathlib import Path

from accord.observability import HubMetrics
from accord.observability.metrics import use_hub_metrics
from accord.scenarios.format import load_scenario
from accord.scenarios.runner import ScenarioRunner
from tests.scenario_files import scenarios_dir

SCENARIOS = scenarios_dir()


def _value(metrics: HubMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_flow_steps_are_counted_and_an_outage_shows_as_failures(tmp_path: Path) -> None:
    metrics = HubMetrics()
    previous = use_hub_metrics(metrics)
    try:
        ScenarioRunner(load_scenario(SCENARIOS / "retainer-expenses-uk.yaml"), tmp_path).run()
    finally:
        use_hub_metrics(previous)
    posted = _value(metrics, "accord_flow_step_runs_total", flow="posting", step="post_to_erp")
    failed = _value(
        metrics,
        "accord_flow_step_failures_total",
        flow="posting",
        step="post_to_erp",
        kind="system_unavailable",
    )
    assert failed >= 1, "the ERP outage across month end fails the posting step"
    assert posted >= 3 + failed, "three documents are posted, after the failed attempts"
    activation = _value(
        metrics, "accord_flow_step_runs_total", flow="activation", step="set_up_in_erp"
    )
    assert activation == 1
