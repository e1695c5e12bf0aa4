"""Approval to posted invoice, in steady state, through the real hub on a simulated clock.

The world: the sandbox landscape (six simulated systems over HTTP) holding a generated
firm (30 people, 10 time & materials contracts, all signed and activated before the
measurement), its clock running at 3,600x (a simulated hour per real second). A load
thread approves time entries in the sandbox PSA at a fixed rate, as the firm's managers
would, each dated on the simulated day.

The hub, as `accord up` runs it on the embedded default: SQLite store, DBOS on SQLite,
the real sandbox connectors, the scheduler's tick (pull every stream, apply the event
log, billing catch-up, start due flows) followed by an invoice run through the simulated
day — the firm invoices continuously here, instead of at month end, so the figure is the
hub's processing time rather than the calendar — then the posting flows (billing, ERP,
mark posted, write back to PSA and CRM) run until none is busy, and the hub waits one tick
interval (1 s, as `accord up`) before the next cycle.

Measured per entry: from the moment the PSA acknowledged its approval to the moment the
ERP acknowledged the post of the invoice that bills it (the ERP gateway's `post_invoice`
returning), both on the real clock. Baseline, same run: the round trip of those
`post_invoice` calls themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from accord.bootstrap import (
    build_hub,
    build_services,
    configure_firm,
    flow_registry,
    sandbox_connectors,
)
from accord.canonical.v1 import Invoice
from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.firm import generate_firm
from accord.connectors.sandbox.generic_systems import populate_landscape
from accord.connectors.sandbox.landscape import Landscape
from accord.firm_config import load_firm_config
from accord.flows import engine, runtime
from accord.flows.invoice_run import run_invoices
from accord.loops.hub_process import Intervals
from accord.loops.scheduler import Scheduler
from accord.settings import Settings

FINANCE = Path(runtime.__file__).parents[1] / "connectors" / "sandbox" / "firm.yaml"
CLOCK_SPEED = 3_600.0
START = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
SETTLE_TIMEOUT_SECONDS = 120.0


class TimedErp:
    """The ERP gateway, with each successful `post_invoice` timed: its round trip, and
    when the ERP acknowledged each document number."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.round_trips: list[float] = []
        self.posted_at: dict[str, float] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def post_invoice(self, invoice: Invoice, idempotency_key: str) -> Any:
        started = time.perf_counter()
        posted = self._inner.post_invoice(invoice, idempotency_key)
        acknowledged = time.perf_counter()
        self.round_trips.append(acknowledged - started)
        self.posted_at.setdefault(invoice.number or invoice.id, acknowledged)
        return posted


@dataclass
class Approvals:
    """Approves time entries in the PSA at `rate` per second until stopped."""

    url: str
    clock: SandboxClock
    staffing: dict[str, list[str]]
    rate: float
    approved_at: dict[str, float] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        rng = random.Random(8)
        contracts = sorted(self.staffing)
        start = time.perf_counter()
        with httpx.Client(base_url=self.url, timeout=30) as http:
            n = 0
            while not self.stop.is_set():
                delay = start + n / self.rate - time.perf_counter()
                if delay > 0 and self.stop.wait(delay):
                    return
                contract = rng.choice(contracts)
                reference = f"BENCH-T{n:06d}"
                body = {
                    "project": contract,
                    "user_id": rng.choice(self.staffing[contract]),
                    "date_performed": self.clock.now().date().isoformat(),
                    "time_in_minutes": rng.choice([240, 360, 450, 480]),
                    "term": "TM",
                    "external_reference": reference,
                }
                http.post("/psa/time_entries", json=body).raise_for_status()
                self.approved_at[reference] = time.perf_counter()
                n += 1


@dataclass(frozen=True)
class Measured:
    latencies: list[float]
    round_trips: list[float]
    cycles: int
    approved: int


def _settle(scheduler: Scheduler, through: dt.date, cycle: int) -> None:
    """One hub cycle: tick, invoice through the day, wait for the flows to finish."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    scheduler.tick()
    run_invoices(through, None, f"bench-cycle-{cycle}")
    while runtime.busy_workflows():
        if time.monotonic() > deadline:
            raise TimeoutError(f"flows did not settle: {sorted(runtime.busy_workflows())}")
        time.sleep(0.005)


def _firm_with_time_contracts() -> tuple[Any, dict[str, list[str]]]:
    """The generated firm, cut to its plain time & materials contracts (no cap)."""
    firm = generate_firm(seed=7, consultants=30, customers=10, contracts=40)
    firm.contracts = [
        c
        for c in firm.contracts
        if len(c["terms"]) == 1 and "cap" not in c["terms"][0] and c["terms"][0]["id"] == "TM"
    ]
    staffing = {c["id"]: firm.staffing[c["id"]] for c in firm.contracts}
    return firm, staffing


@dataclass(frozen=True)
class RunningHub:
    scheduler: Scheduler
    erp: TimedErp
    landscape: Landscape
    staffing: dict[str, list[str]]


@contextmanager
def _running_hub(workdir: Path) -> Iterator[RunningHub]:
    """The landscape with the firm loaded, and the hub wired to it with a timed ERP
    gateway, DBOS launched and every contract activated, on a still frozen clock."""
    clock = SandboxClock(start=START)
    landscape = Landscape(clock=clock).start()
    settings = Settings(home=workdir, database_url=f"sqlite:///{workdir / 'accord.sqlite'}")
    hub = build_hub(settings, clock=clock.now)
    try:
        connectors = sandbox_connectors(landscape)
        services = build_services(hub, connectors, clock.now)
        erp = TimedErp(services.steps.gateways.erp)
        steps = replace(services.steps, gateways=replace(services.steps.gateways, erp=erp))
        configure_firm(hub, services.billing, load_firm_config(FINANCE))
        firm, staffing = _firm_with_time_contracts()
        populate_landscape(landscape.url, firm)
        flows = flow_registry(steps)
        engine.launch(f"sqlite:///{workdir / 'flows.sqlite'}", flows)
        try:
            scheduler = Scheduler(
                services.inbound, hub.worker, services.billing, services.exceptions, flows
            )
            _settle(scheduler, clock.now().date(), 0)
            yield RunningHub(scheduler, erp, landscape, staffing)
        finally:
            runtime.shutdown()
    finally:
        hub.close()
        landscape.stop()


def _posted_at(scheduler: Scheduler, erp: TimedErp) -> dict[str, float]:
    """When the ERP acknowledged the invoice billing each time entry (billed ones only);
    the billing ledger says which invoice billed which entry."""
    billed = scheduler.billing.state().ledger.entries.values()
    return {e.entry: erp.posted_at[e.invoice] for e in billed if e.invoice in erp.posted_at}


def _steady_state(
    scheduler: Scheduler, erp: TimedErp, approvals: Approvals, seconds: float, warm_up: float
) -> Measured:
    clock = approvals.clock
    clock.run(CLOCK_SPEED)
    erp.round_trips.clear()
    loader = threading.Thread(target=approvals.run, name="bench-approvals", daemon=True)
    started = time.perf_counter()
    loader.start()
    cycle = 0
    while time.perf_counter() - started < seconds:
        cycle += 1
        _settle(scheduler, clock.now().date(), cycle)
        time.sleep(Intervals().tick)
    approvals.stop.set()
    loader.join(timeout=30)
    drain_deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while set(approvals.approved_at) - set(posted := _posted_at(scheduler, erp)):
        if time.monotonic() > drain_deadline:
            raise TimeoutError("approved entries were not posted after the load stopped")
        cycle += 1
        _settle(scheduler, clock.now().date(), cycle)
        time.sleep(Intervals().tick)
    counted_from = started + warm_up
    latencies = [
        posted[entry] - approved
        for entry, approved in approvals.approved_at.items()
        if approved >= counted_from
    ]
    return Measured(latencies, list(erp.round_trips), cycle, len(approvals.approved_at))


def approval_to_posted(rate: float, seconds: float, warm_up: float) -> Measured:
    """Measure in a scratch directory; the connectors' retry log (the sandbox ERP throttles
    concurrent posts, and the retries count in the latency) is kept out of the output."""
    connector_log = logging.getLogger("accord.connector")
    level = connector_log.level
    connector_log.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory() as scratch, _running_hub(Path(scratch)) as running:
            landscape = running.landscape
            approvals = Approvals(landscape.url, landscape.clock, running.staffing, rate)
            return _steady_state(running.scheduler, running.erp, approvals, seconds, warm_up)
    finally:
        connector_log.setLevel(level)
