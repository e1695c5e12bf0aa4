"""A contract signed before the CRM reported its customer waits for the customer instead
of failing: its activation parks on an unknown-reference exception owned by integration,
and completes, closing the exception, once the customer arrives."""

from __future__ import annotations

from pathlib import Path

import httpx

from accord.bootstrap import configure_firm
from accord.domain.exceptions import ExceptionKind, OwnerRole
from accord.flows import dispatch
from accord.flows.activation import workflow_id
from accord.scenarios.format import load_scenario
from tests.integration.flows._flow_proc import DurableRunner
from tests.scenario_files import scenario_file

SCENARIO = scenario_file("tm-correction-de.yaml")
CONTRACT, CUSTOMER = "K1", "C1"


def _erp_customers(sandbox: str) -> list[str]:
    """The customers the ERP holds, read back over its API."""
    listing = httpx.get(f"{sandbox}/erp/customers", params={"limit": 500}, timeout=30)
    return [item["external_id"] for item in listing.raise_for_status().json()["items"]]


def test_an_activation_waits_for_a_customer_the_crm_reports_late(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO)
    signing = scenario.events[0]
    runner = DurableRunner(scenario, tmp_path, signing.at)
    with runner.started() as run:
        configure_firm(run.hub, run.services.billing, scenario.firm)
        run.world.seed(scenario.model_copy(update={"customers": []}))  # the CRM lags
        runner.apply(run, 0, signing)
        runner.settle(run)

        waiting = run.services.exceptions.find_open(ExceptionKind.UNKNOWN_REFERENCE, CONTRACT)
        assert waiting is not None, "the activation waits on an exception"
        assert waiting.owner is OwnerRole.INTEGRATION
        assert CUSTOMER in waiting.message
        assert waiting.details["workflow_id"] == workflow_id(CONTRACT)
        (flow,) = dispatch.current().list_workflows(workflow_ids=[workflow_id(CONTRACT)])
        assert flow.status == "PENDING"
        assert _erp_customers(run.landscape.url) == []

        run.world.seed(scenario.model_copy(update={"resources": [], "contracts": []}))
        runner.settle(run)
        run.scheduler.retry_unavailable()
        runner.settle(run)

        assert dispatch.current().result(workflow_id(CONTRACT)) == []
        assert _erp_customers(run.landscape.url) == [CUSTOMER]
        assert run.services.exceptions.find_open(ExceptionKind.UNKNOWN_REFERENCE, CONTRACT) is None
        assert run.services.billing.is_activated(CONTRACT)
