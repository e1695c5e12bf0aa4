"""A hub process the crash tests start, kill and start again.

`python -m tests.integration.flows._flow_proc run WORKDIR SCENARIO LAST_EVENT` plays the
scenario's events up to LAST_EVENT (index) on a hub and sandbox whose state lives in
WORKDIR; with ACCORD_KILL_AFTER=<flow step> the process SIGKILLs itself the
first time that step succeeds; with ACCORD_KILL_BEFORE_START=<workflow id prefix> it
SIGKILLs itself when it is about to start such a flow (after whatever made the flow due
was saved). `recover WORKDIR SCENARIO LAST_EVENT` starts a new process
on the same state (a new sandbox port), lets DBOS recover the interrupted flows and
settles. Both write to WORKDIR/holdings.json (and print) what the sandbox systems hold,
read back through their APIs. `main` does the same when called in a forked process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from dbos import DBOS

from accord.application.steps.context import StepOutcome
from accord.bootstrap import build_hub, build_services, configure_firm, sandbox_connectors
from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.landscape import Landscape
from accord.flows import dispatch, engine, runtime
from accord.flows.registry import FlowRegistry
from accord.loops.scheduler import Scheduler
from accord.scenarios.format import load_scenario
from accord.scenarios.runner import ScenarioRun, ScenarioRunner, midnight
from accord.scenarios.world import SandboxWorld
from accord.settings import Settings
from tests.integration.flows._registries import wrapping


class KillAfter:
    """Flow steps that die like a power cut right after `step` succeeded inside a flow
    whose id starts with `flows`, before DBOS records it; every other use case passes
    through. Injected through the flow registry, so the scheduler, which calls some of
    the same use cases outside any flow, is never cut."""

    def __init__(self, use_cases: object, step: str, flows: str = "") -> None:
        self._use_cases = use_cases
        self._step = step
        self._flows = flows

    def __getattr__(self, name: str) -> Any:
        member = getattr(self._use_cases, name)
        if name != self._step:
            return member
        call: Callable[..., Any] = member

        def step_then_die(*args: Any) -> Any:
            result = call(*args)
            succeeded = not isinstance(result, StepOutcome) or result.done
            flow = DBOS.workflow_id
            if succeeded and flow is not None and flow.startswith(self._flows):
                os.kill(os.getpid(), signal.SIGKILL)
            return result

        return step_then_die


class _DieBeforeStarting(dispatch.InProcessDispatch):
    """Dies like a power cut when asked to start a flow whose id starts with `prefix`."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix

    def start(self, workflow: Callable[..., Any], workflow_id: str, *args: Any) -> None:
        if workflow_id.startswith(self._prefix):
            os.kill(os.getpid(), signal.SIGKILL)
        super().start(workflow, workflow_id, *args)


class DurableRunner(ScenarioRunner):
    """The scenario runner on state that survives the process: sandbox in WORKDIR.
    `use_cases` stands in for the flows' steps wherever the flows and the scheduler
    call them (a test counts their calls there); `flows` turns those into the registry
    the flows alone get (a test injects a fault into a flow's steps there)."""

    def __init__(
        self,
        scenario: Any,
        workdir: Path,
        start: dt.date,
        landscape_config: dict[str, Any] | None = None,
        flows: Callable[[FlowRegistry], FlowRegistry] = lambda given: given,
        use_cases: Callable[[FlowRegistry], FlowRegistry] = lambda given: given,
    ) -> None:
        super().__init__(scenario, workdir)
        self.start = start
        self.landscape_config = landscape_config
        self.flows = flows
        self.use_cases = use_cases

    @contextmanager
    def started(self) -> Iterator[ScenarioRun]:
        clock = SandboxClock(start=midnight(self.start))
        landscape = Landscape(
            self.workdir / "sandbox", clock=clock, config=self.landscape_config
        ).start()
        settings = Settings(
            home=self.workdir, database_url=f"sqlite:///{self.workdir / 'accord.sqlite'}"
        )
        hub = build_hub(settings, clock=clock.now)
        services = build_services(hub, sandbox_connectors(landscape, simulated=True), clock.now)
        use_cases = self.use_cases(services.flows)
        engine.launch(f"sqlite:///{self.workdir / 'flows.sqlite'}", self.flows(use_cases))
        scheduler = Scheduler(
            services.inbound, hub.worker, services.billing, services.exceptions, use_cases
        )
        try:
            yield ScenarioRun(
                self.scenario, landscape, hub, services, scheduler, SandboxWorld(landscape)
            )
        finally:
            runtime.shutdown()
            hub.close()
            landscape.stop()


def _items(http: httpx.Client, path: str) -> list[dict[str, Any]]:
    """Every record of a sandbox listing, read page by page over its HTTP API."""
    items: list[dict[str, Any]] = []
    page: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 500} | ({"page": page} if page else {})
        body = http.get(path, params=params).raise_for_status().json()
        items.extend(body["items"])
        if not (page := body.get("next_page")):
            return items


def _holdings(run: ScenarioRun) -> dict[str, Any]:
    """What each external system holds, one entry per record, so a copy shows twice."""
    with httpx.Client(base_url=run.landscape.url, timeout=30) as http:

        def keys(path: str, field: str = "external_id") -> list[str]:
            return sorted(str(item[field]) for item in _items(http, path))

        def statuses(sobject: str, field: str) -> dict[str, str]:
            records = _items(http, f"/crm/sobjects/{sobject}")
            return {r["ExtId__c"]: r[field] for r in records}

        return {
            "erp_customers": keys("/erp/customers"),
            "erp_projects": keys("/erp/projects"),
            "erp_documents": keys("/erp/documents", "number"),
            "billing_terms": keys("/billing/contracts"),
            "billing_documents": keys("/billing/documents", "number"),
            "billing_payments": keys("/billing/payments"),
            "psa_projects": keys("/psa/projects"),
            "psa_invoiced_entries": http.get("/psa/invoiced_entries/count").json()["count"],
            "crm_contracts": statuses("Contract", "Status"),
            "crm_invoices": statuses("Invoice__c", "Status__c"),
            "crm_payments": keys("/crm/sobjects/Payment__c", "ExtId__c"),
        }


def _killing(step: str, registry: FlowRegistry) -> FlowRegistry:
    return wrapping(registry, lambda steps: KillAfter(steps, step))


def main(
    mode: str,
    workdir: Path,
    scenario_path: Path,
    last_event: int,
    kill_after: str = "",
    kill_before_start: str = "",
) -> None:
    """Play (`run`) or recover (`recover`) on WORKDIR, then write what the sandbox
    systems hold to WORKDIR/holdings.json and print it; the process ends here."""
    scenario = load_scenario(scenario_path)
    events = scenario.events[: last_event + 1]
    start = events[-1].at if mode == "recover" else events[0].at
    runner = DurableRunner(scenario, workdir, start)
    if mode == "run" and kill_after:
        runner.flows = partial(_killing, kill_after)
    with runner.started() as run:
        if mode == "run":
            if kill_before_start:
                dispatch.use(_DieBeforeStarting(kill_before_start))
            configure_firm(run.hub, run.services.billing, scenario.firm)
            run.world.seed(scenario)
            for index, event in enumerate(events):
                runner.advance(run, event.at)
                runner.apply(run, index, event)
                runner.settle(run)
        runner.settle(run)
        holdings = json.dumps(_holdings(run))
        (workdir / "holdings.json").write_text(holdings)
        print(holdings, flush=True)
        os._exit(0)  # what the systems hold is written; an orderly shutdown adds nothing


if __name__ == "__main__":
    kills = (os.environ.get(f"ACCORD_KILL_{n}", "") for n in ("AFTER", "BEFORE_START"))
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), *kills)
