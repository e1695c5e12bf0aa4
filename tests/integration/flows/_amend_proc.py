"""A hub process the amendment crash test starts, kills and starts again.

`python -m tests.integration.flows._amend_proc run WORKDIR` signs and activates the
contract of tm-correction-de, then amends it (a new rate version and a cap); with
ACCORD_KILL_AFTER=<ContractToCash method> the process SIGKILLs itself the first time
that step succeeds inside an amendment flow. `recover WORKDIR` starts a new process on
the same state, lets DBOS recover the interrupted flow and settles. Both print what
billing and the PSA hold, read back through the sandbox's HTTP APIs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from dbos import DBOS

from accord.application.contract_to_cash import ContractToCash, StepOutcome
from accord.bootstrap import configure_firm
from accord.scenarios import format as sf
from accord.scenarios.format import load_scenario
from accord.scenarios.runner import _Run
from tests.integration.flows._flow_proc import DurableRunner
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


def _kill_in_amendment_after(step: str) -> None:
    """Die like a power cut right after `step` succeeded in an amendment flow."""
    original: Callable[..., Any] = getattr(ContractToCash, step)

    def step_then_die(self: ContractToCash, *args: Any) -> Any:
        result = original(self, *args)
        succeeded = not isinstance(result, StepOutcome) or result.done
        if succeeded and (DBOS.workflow_id or "").startswith("amend:"):
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(ContractToCash, step, step_then_die)


def _holdings(run: _Run) -> dict[str, Any]:
    """Billing's terms and the PSA's projects and rate card, one entry per record."""
    with httpx.Client(base_url=run.landscape.url, timeout=30) as http:
        terms = http.get("/billing/contracts", params={"limit": 500}).json()["items"]
        projects = http.get("/psa/projects", params={"limit": 500}).json()["items"]
        card = http.get(f"/psa/projects/eid:{CONTRACT}/rate_card").json()
    return {
        "billing_terms": [(t["external_id"], t["version"], t["terms"]) for t in terms],
        "psa_projects": [p["external_id"] for p in projects],
        "psa_rate_card": (card["version"], card["rates"], card["budgets"]),
        "amendments_due": run.services.contract_to_cash.amendments_due(),
    }


def main(mode: str, workdir: Path) -> None:
    scenario = load_scenario(SCENARIO)
    signing = scenario.events[0]
    runner = DurableRunner(scenario, workdir, AMENDED_ON if mode == "recover" else signing.at)
    with runner._started() as run:
        if mode == "run":
            configure_firm(run.hub, run.services.billing, scenario.firm)
            run.world.seed(scenario)
            runner._advance(run, signing.at)
            runner._apply(run, 0, signing)
            runner._settle(run)
            if step := os.environ.get("ACCORD_KILL_AFTER"):
                _kill_in_amendment_after(step)
            runner._advance(run, AMENDED_ON)
            runner._apply(run, 1, sf.ContractAmended.model_validate(AMENDMENT))
        runner._settle(run)
        print(json.dumps(_holdings(run)))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
