"""A hub process the amendment crash test starts, kills and starts again.

`python -m tests.integration.flows._amend_proc run WORKDIR` signs and activates the
contract of tm-correction-de, then amends it (a new rate version and a cap); with
ACCORD_KILL_AFTER=<flow step> the process SIGKILLs itself the first time
that step succeeds inside an amendment flow. `recover WORKDIR` starts a new process on
the same state, lets DBOS recover the interrupted flow and settles. Both print what
billing and the PSA hold, read back through the sandbox's HTTP APIs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, cast

import httpx

from accord.application.flow_steps import AmendmentSteps
from accord.bootstrap import configure_firm
from accord.flows.registry import FlowRegistry
from accord.scenarios import format as sf
from accord.scenarios.format import load_scenario
from accord.scenarios.runner import ScenarioRun
from tests.integration.flows._flow_proc import DurableRunner, KillAfter
from tests.scenario_files import scenario_file

SCENARIO = scenario_file("tm-correction-de.yaml")
CONTRACT = "K1"
AMENDED_ON = dt.date(2026, 1, 20)
AMENDMENT = {
    "at": AMENDED_ON,
    "type": "contract.amended",
    "contract": CONTRACT,
    "term": "TM",
    "rates": [{"role": "senior-consultant", "rate": "165", "from": "2026-02-01"}],
    "cap": "20000",
}


def _killing_amendments(step: str | None, registry: FlowRegistry) -> FlowRegistry:
    """Every flow's steps, the amendment flow's dying like a power cut right after
    `step` succeeded (when a step is named)."""
    if not step:
        return registry
    dying = cast(AmendmentSteps, KillAfter(registry.amendment, step, flows="amend:"))
    return replace(registry, amendment=dying)


def _holdings(run: ScenarioRun) -> dict[str, Any]:
    """Billing's terms and the PSA's projects and rate card, one entry per record."""
    with httpx.Client(base_url=run.landscape.url, timeout=30) as http:
        terms = http.get("/billing/contracts", params={"limit": 500}).json()["items"]
        projects = http.get("/psa/projects", params={"limit": 500}).json()["items"]
        card = http.get(f"/psa/projects/eid:{CONTRACT}/rate_card").json()
    return {
        "billing_terms": [(t["external_id"], t["version"], t["terms"]) for t in terms],
        "psa_projects": [p["external_id"] for p in projects],
        "psa_rate_card": (card["version"], card["rates"], card["budgets"]),
        "amendments_due": run.services.billing.amendments_due(),
    }


def main(mode: str, workdir: Path) -> None:
    scenario = load_scenario(SCENARIO)
    signing = scenario.events[0]
    start = AMENDED_ON if mode == "recover" else signing.at
    kill_after = os.environ.get("ACCORD_KILL_AFTER") if mode == "run" else None
    flows = partial(_killing_amendments, kill_after)
    runner = DurableRunner(scenario, workdir, start, flows=flows)
    with runner.started() as run:
        if mode == "run":
            configure_firm(run.hub, run.services.billing, scenario.firm)
            run.world.seed(scenario)
            runner.advance(run, signing.at)
            runner.apply(run, 0, signing)
            runner.settle(run)
            runner.advance(run, AMENDED_ON)
            runner.apply(run, 1, sf.ContractAmended.model_validate(AMENDMENT))
        runner.settle(run)
        print(json.dumps(_holdings(run)))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
