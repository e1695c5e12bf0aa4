"""The scaled-out hub's processes: `accord up --role api|worker|scheduler`.

All three share one PostgreSQL store (and DBOS's tables in it), NATS JetStream and the
landscape file's systems (with the sandbox, the one `accord sandbox up` serves):

- `api` serves HTTP (API, dashboard, webhooks into the event log); the flows its process
  API starts are enqueued for the workers;
- `worker` applies inbound events (workers claim batches with `SKIP LOCKED`, so any
  number share the log) and runs the flows; a dead worker's flows are taken over;
- `scheduler` pulls from the connectors, folds applied records into billing, starts the
  flows due, runs month-end invoicing and reconciliation, relays the outbox and sends
  the exception notifications (new critical exception, SLA breach, escalation). Exactly
  one leads (an advisory lock); others stand by and take over when the leader dies.

`run_worker` is importable so benchmarks can run a worker in a process of their own.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from accord.adapters.locks import HeldLock
from accord.application.housekeeping import Housekeeping
from accord.application.journals import ChartOfAccountsError, chart_of_accounts
from accord.bootstrap import (
    MASTER_DATA_FIRST,
    Wired,
    configure_firm,
    process_ports,
    remote_sandbox_url,
    wire_hub,
)
from accord.bootstrap.notifications import build_exception_notifier
from accord.connectors.sandbox.clock import RemoteSandboxClock
from accord.firm_config import FirmConfig, load_firm_config
from accord.flows import engine as flow_engine
from accord.flows import runtime
from accord.flows.scaleout import Takeover, enqueue_only, serve_flow_queue
from accord.landscape import Landscape
from accord.loops.hub_process import HubProcess, Intervals
from accord.loops.scheduler import Scheduler
from accord.observability import configure_observability, hub_metrics
from accord.settings import Settings

LEADER_LOCK = "scheduler-leader"
log = logging.getLogger("accord.hub")


class RoleError(Exception):
    """A role cannot start with this configuration; the message says what to set."""


def executor_lock(executor: str) -> str:
    """The lock a worker holds while it lives, named after its DBOS executor id."""
    return f"executor:{executor}"


def flows_database(settings: Settings) -> str:
    """DBOS's system database: the store's PostgreSQL database (psycopg 3 driver)."""
    return settings.database_url.replace("postgresql+psycopg://", "postgresql://")


@dataclass(frozen=True)
class ScaleOut:
    """What every scaled-out process needs: the store and the landscape's systems."""

    settings: Settings
    sandbox_url: str
    name: str
    landscape: Landscape = field(default_factory=Landscape.default)

    def check(self, role: str) -> None:
        if self.settings.is_embedded:
            raise RoleError(
                f"--role {role} needs the shared store: set ACCORD_DATABASE_URL="
                "postgresql+psycopg://user@host/db (and ACCORD_NATS_URL=nats://host:4222); "
                "the embedded SQLite default runs everything in one process (--role all)"
            )
        if not self.settings.database_url.startswith("postgresql"):
            raise RoleError(
                f"--role {role} needs PostgreSQL (ACCORD_DATABASE_URL=postgresql+psycopg://"
                "user@host/db): durable flows keep their state there; a hub on MariaDB runs "
                "everything in one process (--role all)"
            )
        if self.landscape.has_sandbox and not self.sandbox_url:
            raise RoleError(
                f"--role {role} with the sandbox landscape needs the shared sandbox: pass "
                "--sandbox-url or set ACCORD_SANDBOX_URL to what `accord sandbox up` prints "
                "(or name your systems in a landscape file, --config)"
            )


def wire(scale: ScaleOut) -> Wired:
    """The hub and its services on the shared store and the landscape's systems; with
    the sandbox, on its clock, else on the wall clock."""
    configure_observability(scale.settings.home)
    sandbox = scale.landscape.has_sandbox
    return wire_hub(
        scale.settings,
        scale.landscape,
        sandbox_url=remote_sandbox_url(scale.sandbox_url) if sandbox else None,
        sandbox_clock=RemoteSandboxClock(scale.sandbox_url).now if sandbox else None,
        worker_name=scale.name,
        order=MASTER_DATA_FIRST,
    )


def _hold(lock: HeldLock, stop: threading.Event, patience: float) -> bool:
    deadline = time.monotonic() + patience
    while not lock.try_acquire():
        if stop.wait(0.5) or time.monotonic() > deadline:
            return False
    return True


def _watch(lock: HeldLock, stop: threading.Event, every: float = 2.0) -> threading.Event:
    """Stop the process when its lock's session ends: others may then take its work over,
    so it must not go on with it."""
    lost = threading.Event()

    def watch() -> None:
        while not stop.wait(every):
            if not lock.still_held():
                lost.set()
                stop.set()

    threading.Thread(target=watch, name="accord-liveness", daemon=True).start()
    return lost


def run_worker(
    scale: ScaleOut, stop: threading.Event, *, flow_concurrency: int | None = None
) -> None:
    """Apply inbound events and run flows until `stop` is set; the worker's name is its
    DBOS executor id and its checkpoint's name."""
    scale.check("worker")
    wired = wire(scale)
    alive = HeldLock(wired.hub.engine, executor_lock(scale.name))
    if not _hold(alive, stop, patience=15):
        wired.hub.close()
        raise RoleError(f"another worker named {scale.name!r} is running; give each its own")
    try:
        flow_engine.launch(
            flows_database(scale.settings), wired.services.flows, executor_id=scale.name
        )
        serve_flow_queue(flow_concurrency)
        engine = wired.hub.engine
        takeover = Takeover(
            scale.name, lambda executor: not HeldLock.is_free(engine, executor_lock(executor))
        )
        threading.Thread(
            target=takeover.run_forever, args=(stop,), name="accord-takeover", daemon=True
        ).start()
        lost = _watch(alive, stop)
        log.info("worker %s applying events and running flows", scale.name)
        wired.hub.worker.run_forever(stop)
        if lost.is_set():
            raise RoleError(f"worker {scale.name} lost its database session; restart it")
    finally:
        runtime.shutdown()
        alive.release()
        wired.hub.close()


def run_scheduler(
    scale: ScaleOut, firm: Path, stop: threading.Event, intervals: Intervals | None = None
) -> None:
    """Stand by until this process holds the leader lock, then schedule until `stop` is
    set or the lock is lost (the process then ends, for its supervisor to restart it)."""
    scale.check("scheduler")
    finance = load_firm_config(firm)
    wired = wire(scale)
    try:
        notifier = build_exception_notifier(wired.hub, os.environ, wired.clock)
    except ValueError as error:
        wired.hub.close()
        raise RoleError(str(error)) from None
    client = enqueue_only(flows_database(scale.settings))
    leader = HeldLock(wired.hub.engine, LEADER_LOCK)
    try:
        log.warning("scheduler %s standing by for the leader lock", scale.name)
        while not leader.try_acquire():
            if stop.wait(1.0):
                return
        log.warning("scheduler %s leading", scale.name)
        _lead(wired, finance, leader, stop, intervals, notifier.tick)
    finally:
        leader.release()
        client.close()
        wired.hub.close()


def _lead(
    wired: Wired,
    finance: FirmConfig,
    leader: HeldLock,
    stop: threading.Event,
    intervals: Intervals | None,
    notify: Callable[[], object],
) -> None:
    """Run the hub's periodic work while this scheduler leads: pulls, flows due,
    invoicing, reconciliation, the outbox and the exception notifications (only the
    leader sends them, so the scaled-out hub notifies once, as the embedded one does)."""
    services = wired.services
    configure_firm(wired.hub, services.billing, finance)
    scheduler = Scheduler(
        services.inbound, None, services.billing, services.exceptions, services.flows
    )
    services.reconciliation_jobs.on_reconciled = lambda report: hub_metrics().record_reconciliation(
        report.discrepancies
    )
    process = HubProcess(
        wired.hub.relay,
        scheduler,
        services.reconciliation_jobs,
        wired.clock,
        intervals,
        housekeeping=Housekeeping(wired.hub.governance),
        notify=notify,
        criticality=wired.hub.criticality,
    )
    process.start()
    try:
        while not stop.wait(1.0):
            if not leader.still_held():
                raise RoleError("the scheduler lost its leader lock (database connection)")
    finally:
        process.stop()


def run_api(scale: ScaleOut, host: str, port: int) -> None:
    """Serve the API, dashboard and webhooks; flows started here run on the workers."""
    import uvicorn

    from accord.http_app import create_app

    scale.check("api")
    try:
        accounts = chart_of_accounts(scale.settings.ledger_accounts)
    except ChartOfAccountsError as error:
        raise RoleError(str(error)) from None
    wired = wire(scale)
    client = enqueue_only(flows_database(scale.settings))
    served = process_ports(wired, accounts)
    try:
        uvicorn.run(create_app(wired.hub, ports=served), host=host, port=port, log_level="warning")
    finally:
        client.close()
        wired.hub.close()


class ProcessRole(StrEnum):
    """What one `accord up` process does."""

    ALL = "all"
    API = "api"
    WORKER = "worker"
    SCHEDULER = "scheduler"


def default_name(role: ProcessRole) -> str:
    """A name unique per host and process: the worker's executor id and checkpoint."""
    return f"{role.value}-{socket.gethostname()}-{os.getpid()}"


def run_role(role: ProcessRole, scale: ScaleOut, firm: Path, host: str, port: int) -> None:
    """Run one scaled-out role until SIGTERM or SIGINT."""
    if role is ProcessRole.API:
        run_api(scale, host, port)
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if role is ProcessRole.WORKER:
        run_worker(scale, stop)
    elif role is ProcessRole.SCHEDULER:
        run_scheduler(scale, firm, stop)
