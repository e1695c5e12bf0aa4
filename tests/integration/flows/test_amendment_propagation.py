"""An amended contract reaches the billing system and the PSA's rate card exactly once.

The hub (DBOS on SQLite) activates a signed contract against the sandbox landscape, then
the CLM amends it (a new rate version and a cap); the scheduler starts the amendment
flow, which republishes the terms. What billing and the PSA hold is read back from the
sandbox systems, not from Accord's tables.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx

from accord.bootstrap import configure_firm
from accord.domain.exceptions import ExceptionKind
from accord.flows.runtime import busy_workflows
from accord.scenarios import format as sf
from accord.scenarios.format import load_scenario
from accord.scenarios.runner import ScenarioRun
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


def _listing(run: ScenarioRun, path: str) -> list[dict[str, Any]]:
    with httpx.Client(base_url=run.landscape.url, timeout=30) as http:
        body = http.get(path, params={"limit": 500}).raise_for_status().json()
    assert body["next_page"] is None
    items: list[dict[str, Any]] = body["items"]
    return items


def _play_signing_and_amendment(runner: DurableRunner, run: ScenarioRun) -> None:
    scenario = runner.scenario
    configure_firm(run.hub, run.services.billing, scenario.firm)
    run.world.seed(scenario)
    signing = scenario.events[0]
    runner.advance(run, signing.at)
    runner.apply(run, 0, signing)
    runner.settle(run)
    assert run.services.billing.is_activated(CONTRACT)
    runner.advance(run, AMENDED_ON)
    runner.apply(run, 1, sf.ContractAmended.model_validate(AMENDMENT))
    runner.settle(run)


def _assert_the_amendment_flow_audited_its_changes(run: ScenarioRun) -> None:
    """One audit row per change, under the amendment flow `amend:<contract>:<version>`."""
    rows = [
        r
        for r in run.hub.governance.audit.records()
        if r.actor.startswith(f"flow:amend:{CONTRACT}:") and r.subject == CONTRACT
    ]
    assert sorted(r.action for r in rows) == [
        "contract.amendment_published",
        "contract.rates_published_in_psa",
        "contract.terms_published",
    ]
    (published,) = [r for r in rows if r.action == "contract.amendment_published"]
    version = published.actor.rsplit(":", 1)[1]
    assert published.after == {"contract": CONTRACT, "version": int(version)}
    assert run.hub.governance.audit.verify().ok


def test_an_amended_rate_and_cap_reach_billing_and_the_psa_once(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO)
    runner = DurableRunner(scenario, tmp_path, scenario.events[0].at)
    with runner.started() as run:
        _play_signing_and_amendment(runner, run)

        billing_terms = [t for t in _listing(run, "/billing/contracts")]
        assert [t["external_id"] for t in billing_terms] == [CONTRACT]
        (term,) = billing_terms[0]["terms"]
        assert [(r["rate"], r["from"]) for r in term["rates"]] == [
            ("150", "2026-01-01"),
            ("165", "2026-02-01"),
        ]
        assert term["cap"] == "20000"
        assert billing_terms[0]["status"] == "active"

        card = run.services.connectors["sandbox-psa"].read_rate_card(CONTRACT)  # type: ignore[attr-defined]
        assert [(r["rate"], r["from"]) for r in card["rates"]] == [
            ("150", "2026-01-01"),
            ("165", "2026-02-01"),
        ]
        assert card["budgets"] == [{"term": "TM", "cap": "20000"}]
        assert card["version"] == 2  # set at activation, changed once by the amendment
        assert [p["external_id"] for p in _listing(run, "/psa/projects")] == [CONTRACT]

        assert run.services.billing.amendments_due() == {}
        assert run.services.exceptions.open_records(kind=ExceptionKind.SYSTEM_UNAVAILABLE) == []
        _assert_the_amendment_flow_audited_its_changes(run)
        again = run.scheduler.tick()
        assert again.amendments == [] and not busy_workflows()


def test_an_amendment_waits_out_a_psa_outage_and_then_lands_once(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO)
    runner = DurableRunner(scenario, tmp_path, scenario.events[0].at)
    with runner.started() as run:
        configure_firm(run.hub, run.services.billing, scenario.firm)
        run.world.seed(scenario)
        runner.advance(run, scenario.events[0].at)
        runner.apply(run, 0, scenario.events[0])
        runner.settle(run)
        run.landscape.inject("psa", {"kind": "unavailable", "path": "/projects"})
        runner.advance(run, AMENDED_ON)
        runner.apply(run, 1, sf.ContractAmended.model_validate(AMENDMENT))
        runner.settle(run)

        (waiting,) = run.services.exceptions.open_records(kind=ExceptionKind.SYSTEM_UNAVAILABLE)
        assert waiting.subject.startswith(f"{CONTRACT}@v")
        assert [t["cap"] for t in _listing(run, "/billing/contracts")[0]["terms"]] == ["20000"]
        assert CONTRACT in run.services.billing.amendments_due()

        run.landscape.clear_faults("psa")
        runner.advance(run, AMENDED_ON + dt.timedelta(days=1))
        runner.settle(run)

        card = run.services.connectors["sandbox-psa"].read_rate_card(CONTRACT)  # type: ignore[attr-defined]
        assert card["budgets"] == [{"term": "TM", "cap": "20000"}] and card["version"] == 2
        assert run.services.exceptions.open_records() == []
        assert run.services.billing.amendments_due() == {}
