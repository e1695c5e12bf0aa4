"""`accord scenario run`: play a scenario through the hub, the flows and the sandbox.

A fresh embedded store and DBOS database in a working directory, a sandbox landscape on
a simulated clock, the real connectors, ingest, worker, billing, flows and exception
queue: the same path the live hub takes. Before each event the clock moves to the
event's `at`; flows waiting on a system that was down are nudged; then the hub pulls,
applies and runs until nothing is in progress.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.application.operations import ActionNotAvailable
from accord.bootstrap import Hub, Services, configure_firm, simulated_options, wire_hub
from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.landscape import Landscape
from accord.domain.calendar import Period
from accord.domain.exceptions import ExceptionAction, ExceptionKind
from accord.domain.revenue.recognition import revenue_report
from accord.flows import engine, runtime
from accord.flows.invoice_run import run_invoices
from accord.landscape import Landscape as HubLandscape
from accord.loops.scheduler import Scheduler
from accord.scenarios import format as sf
from accord.scenarios.documents import write_einvoices
from accord.scenarios.report import billing_sections, erp_summary, exception_rows
from accord.scenarios.world import SandboxWorld
from accord.settings import Settings

SETTLE_TIMEOUT_SECONDS = 120.0


class ScenarioEventRefused(Exception):
    """An event the hub cannot carry out as the file states it (say, resolving an
    exception that is not open): the run stops with this message, not a traceback."""


def midnight(day: dt.date) -> dt.datetime:
    """The start of `day` in UTC, the simulated clock's time for a scenario event."""
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


@dataclass
class ScenarioRun:
    """A scenario being played: its landscape, the hub wired to it, and its scheduler."""

    scenario: sf.Scenario
    landscape: Landscape
    hub: Hub
    services: Services
    scheduler: Scheduler
    world: SandboxWorld


class ScenarioRunner:
    """Plays one scenario in `workdir` (which it fills with the run's databases); with
    `documents`, writes each issued document's e-invoices there."""

    def __init__(self, scenario: sf.Scenario, workdir: Path, documents: Path | None = None) -> None:
        self.scenario = scenario
        self.workdir = workdir
        self.documents = documents

    def run(self) -> dict[str, Any]:
        with self.started() as run:
            configure_firm(run.hub, run.services.billing, self.scenario.firm)
            run.world.seed(self.scenario)
            for index, event in enumerate(self.scenario.events):
                self.advance(run, event.at)
                self.apply(run, index, event)
                self.settle(run)
            self.finish(run)
            if self.documents is not None:
                services = run.services
                write_einvoices(services.billing.documents(), services.einvoicing, self.documents)
            return self.report(run)

    def settings(self) -> Settings:
        """The hub's settings: a fresh embedded store in the working directory."""
        return Settings(
            home=self.workdir, database_url=f"sqlite:///{self.workdir / 'accord.sqlite'}"
        )

    @contextmanager
    def started(self) -> Iterator[ScenarioRun]:
        """The landscape and the hub up, the flows launched; all stopped on leaving."""
        first = self.scenario.events[0].at if self.scenario.events else dt.date.today()
        clock = SandboxClock(start=midnight(first))
        landscape = Landscape(clock=clock).start()
        wired = wire_hub(
            self.settings(),
            HubLandscape.default(vendors=False),  # the world writes to the generic systems
            sandbox_url=landscape.base_url,
            sandbox_clock=clock.now,
            options=simulated_options(landscape),
        )
        hub, services = wired.hub, wired.services
        try:
            engine.launch(
                f"sqlite:///{self.workdir / 'flows.sqlite'}",
                services.flows,
            )
            try:
                scheduler = Scheduler(
                    services.inbound,
                    hub.worker,
                    services.billing,
                    services.exceptions,
                    services.flows,
                )
                world = SandboxWorld(landscape)
                yield ScenarioRun(self.scenario, landscape, hub, services, scheduler, world)
                world.close()
            finally:
                runtime.shutdown()
        finally:
            hub.close()
            landscape.stop()

    def advance(self, run: ScenarioRun, day: dt.date) -> None:
        """Move the clock to `day` (never back), nudge what waited, and settle."""
        if midnight(day) > run.landscape.clock.now():
            run.landscape.set_clock(midnight(day))
            run.scheduler.retry_unavailable()
        self.settle(run)

    def apply(self, run: ScenarioRun, index: int, event: Any) -> None:
        """Make event `index` happen in the systems it concerns."""
        world, services = run.world, run.services
        match event:
            case sf.ContractSigned():
                world.sign(event)
            case sf.ContractAmended():
                world.amend(event)
            case sf.TimeApproved():
                world.approve_time(event)
            case sf.TimeCorrected():
                world.correct_time(event)
            case sf.ExpenseApproved():
                world.approve_expense(event)
            case sf.MilestoneEvent():
                world.milestone(event, event.at)
            case sf.ResourceTransferred():
                world.transfer(event)
            case sf.SystemFault():
                world.fault(run.landscape, event)
            case sf.InvoiceRun():
                self.settle(run)
                run_invoices(event.through, event.contract, f"{event.at.isoformat()}#{index}")
            case sf.PaymentReceived():
                erp = services.connectors["sandbox-erp"]
                erp.register_payment(  # type: ignore[attr-defined]
                    event.invoice, event.amount, event.currency, event.at, f"PAY-{index + 1:06d}"
                )
            case sf.PeriodClosed():
                services.connectors["sandbox-erp"].close_period(  # type: ignore[attr-defined]
                    event.entity, event.period
                )
                services.billing.close_period(event.entity, Period.parse(event.period))
            case sf.ExceptionResolved():
                self._resolve(run, index, event)

    def _resolve(self, run: ScenarioRun, index: int, event: sf.ExceptionResolved) -> None:
        where = f"events[{index}] (exception.resolved at {event.at})"
        record = run.services.exceptions.find_open(ExceptionKind(event.kind), event.subject)
        if record is None:
            raise ScenarioEventRefused(
                f"{where}: no open {event.kind} exception about {event.subject}; an "
                f"exception can be resolved only while it is open: check its kind and "
                f"subject against the exceptions the report lists"
            )
        try:
            run.services.exception_actions.apply(
                record, ExceptionAction(event.action), f"{event.action} by a person"
            )
        except ActionNotAvailable as refused:
            raise ScenarioEventRefused(f"{where}: {refused}") from None

    def settle(self, run: ScenarioRun) -> None:
        """Tick until the hub has nothing left to pull, apply or run."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
        while True:
            report = run.scheduler.tick()
            while runtime.busy_workflows():
                if time.monotonic() > deadline:
                    busy = sorted(runtime.busy_workflows())
                    raise TimeoutError(f"flows did not settle: {busy}")
                time.sleep(0.01)
            if report.pulled == 0 and report.applied == 0:
                return

    def finish(self, run: ScenarioRun) -> None:
        """Move past every fault window and drain what waited for it."""
        faults = [e.until for e in self.scenario.events if isinstance(e, sf.SystemFault)]
        if faults:
            self.advance(run, max(faults) + dt.timedelta(days=1))
        self.settle(run)

    def report(self, run: ScenarioRun) -> dict[str, Any]:
        """The scenario report: billing, reconciliation, exceptions and each system."""
        connectors = run.services.connectors
        erp = connectors["sandbox-erp"].summary()  # type: ignore[attr-defined]
        reconciliation = run.services.reconciliation.run(run.landscape.clock.now().date())
        report: dict[str, Any] = {"scenario": self.scenario.name}
        state = run.services.billing.state()
        for problem in revenue_report(state).exceptions:  # e.g. missing_fx_rate, for finance
            run.services.exceptions.open(problem)
        report |= billing_sections(state)
        report["reconciliation"] = reconciliation.to_dict()
        report["exceptions"] = exception_rows(run.services.exceptions.open_records())
        report["systems"] = {
            "erp": erp_summary(erp["documents"], erp["gross_total_by_currency"]),
            "billing": {"documents": connectors["sandbox-billing"].count("documents")},  # type: ignore[attr-defined]
            "psa": {
                "invoiced_entries": connectors["sandbox-psa"].count_invoiced_entries()  # type: ignore[attr-defined]
            },
        }
        return report
