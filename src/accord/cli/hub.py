"""`accord up`: the hub on the landscape file's systems (default: the sandbox landscape),
with flows, API and dashboard."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import typer
import uvicorn
from rich.console import Console

from accord.adapters.governance import AuditKeyError, audit_anchoring
from accord.application.exception_notifier import NotificationSettings
from accord.application.housekeeping import Housekeeping
from accord.application.journals import ChartOfAccountsError, chart_of_accounts
from accord.bootstrap import Hub, configure_firm, process_ports, wire_hub
from accord.bootstrap.notifications import build_exception_notifier
from accord.cli.landscape import landscape_or_exit
from accord.cli.roles import ProcessRole, RoleError, ScaleOut, default_name, run_role
from accord.cli.sandbox_speed import DEFAULT_SPEED, SpeedTooHigh, check_speed, feeds_read
from accord.cli.startup import (
    BadLogLevel,
    Banner,
    PortBusy,
    bound_port,
    check_log_level,
    configure_console,
    create_first_admin_key,
    require_free_port,
)
from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.landscape import Landscape as Sandbox
from accord.connectors.sandbox.landscape import clock_start
from accord.firm_config import FirmConfigError, load_firm_config
from accord.flows import engine, runtime
from accord.http_app import create_app
from accord.landscape import Landscape
from accord.loops.hub_process import HubProcess
from accord.loops.scheduler import Scheduler
from accord.observability import configure_observability, hub_metrics
from accord.settings import Settings

STEP_SLOTS = 8
"""Flow steps that may call other systems at once: a recovered backlog drains this wide."""
GRACEFUL_SHUTDOWN_SECONDS = 3
"""How long Ctrl-C lets requests in progress finish before the server closes them."""
console = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("accord.hub")


def register(app: typer.Typer) -> None:
    app.command("up")(up)


class _Server(uvicorn.Server):
    """The HTTP server; it notes when Ctrl-C (or SIGTERM) arrives, to time the stop."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        log.info("signal %s received: stopping", signal.Signals(sig).name)
        super().handle_exit(sig, frame)


def _once_serving(
    server: uvicorn.Server, start: Callable[[], None], stop: threading.Event
) -> threading.Thread:
    """Start the background work once the HTTP server answers, so /healthz never waits
    for it (a restarted hub may have hundreds of unfinished flows to recover)."""

    def wait_then_start() -> None:
        while not server.started:
            if stop.wait(0.05):
                return
        start()

    starter = threading.Thread(target=wait_then_start, name="accord-start", daemon=True)
    starter.start()
    return starter


def _flows_database(settings: Settings) -> str:
    """DBOS's system database: the store's when it is PostgreSQL, else (SQLite, MariaDB:
    DBOS runs on neither server) a SQLite file under the home, for this one process."""
    if settings.database_url.startswith("postgresql"):
        return settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    return f"sqlite:///{settings.home / 'flows.sqlite'}"


def up(
    host: str = typer.Option(
        None, help="HTTP bind address (default ACCORD_HTTP_HOST or 127.0.0.1)"
    ),
    port: int = typer.Option(None, help="HTTP port (default ACCORD_HTTP_PORT or 8400)"),
    config: Path | None = typer.Option(
        None,
        "--config",
        envvar="ACCORD_CONFIG",
        help="the landscape file: which system plays each role (default: the sandbox)",
    ),
    firm: Path | None = typer.Option(
        None, help="finance configuration: entities, FX, tax (default: the landscape's)"
    ),
    speed: float | None = typer.Option(
        None,
        help="simulated seconds per real second in the sandbox (default: the landscape's, "
        "else 7200: two hours a second); refused above what the feeds' retention allows",
    ),
    allow_lost_changes: bool = typer.Option(
        False,
        "--allow-lost-changes",
        help="accept a --speed at which the sandbox's feeds can lose changes",
    ),
    log_level: str = typer.Option(
        "info",
        envvar="ACCORD_LOG_LEVEL",
        help="console log level: debug adds per-request and library lines",
    ),
    start: dt.date | None = typer.Option(
        None,
        formats=["%Y-%m-%d"],
        help="the sandbox's first simulated day on a fresh home (default 2026-01-05); "
        "a home's sandbox resumes where its clock stopped",
    ),
    role: ProcessRole = typer.Option(
        ProcessRole.ALL, help="all: everything in one process; scaled out: api, worker, scheduler"
    ),
    sandbox_url: str = typer.Option(
        "", envvar="ACCORD_SANDBOX_URL", help="scaled out: the landscape `accord sandbox up` serves"
    ),
    name: str = typer.Option(
        "", help="scaled out: this process's name (worker: its executor id); default role-host-pid"
    ),
) -> None:
    """Start the hub on the landscape file's systems (default: the sandbox landscape
    producing activity): everything in one process (event log, flows, scheduler, API and
    dashboard); with --role, one process of a scaled-out hub on PostgreSQL and NATS (see
    docs/connect.md and docs/deploy.md)."""
    settings = Settings.from_env()
    landscape = landscape_or_exit(config)
    firm = firm or landscape.firm_file
    speed = speed or _sandbox_speed(landscape)
    try:
        audit_anchoring(settings)  # an unusable audit key stops the hub before it starts
        check_speed(speed, allow_lost_changes=allow_lost_changes, feeds=_feeds_read(landscape))
        check_log_level(log_level)
        NotificationSettings.from_env(os.environ)  # a wrong setting stops it before it starts
    except (AuditKeyError, SpeedTooHigh, BadLogLevel, ValueError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    if role is not ProcessRole.ALL:
        scale = ScaleOut(settings, sandbox_url, name or default_name(role), landscape)
        try:
            run_role(role, scale, firm, host or settings.http_host, port or settings.http_port)
        except RoleError as error:
            console.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from None
        return
    try:
        finance = load_firm_config(firm)
        accounts = chart_of_accounts(settings.ledger_accounts)
    except (FirmConfigError, ChartOfAccountsError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    bind_host = host or settings.http_host
    bind_port = port or settings.http_port
    try:
        require_free_port(bind_host, bind_port)
    except PortBusy as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    settings.home.mkdir(parents=True, exist_ok=True)
    configure_observability(settings.home)
    configure_console(log_level)
    sandbox = _sandbox(settings, landscape, start)
    wired = wire_hub(
        settings,
        landscape,
        sandbox_url=sandbox.base_url if sandbox else None,
        sandbox_clock=sandbox.clock.now if sandbox else None,
    )
    hub, services = wired.hub, wired.services
    notifier = build_exception_notifier(hub, os.environ, wired.clock)
    admin_token = create_first_admin_key(hub.governance) if settings.is_embedded else None
    configure_firm(hub, services.billing, finance)
    admission = runtime.StepAdmission(STEP_SLOTS, held=True)
    engine.launch(_flows_database(settings), services.flows, admission=admission)
    served = process_ports(wired, accounts)
    scheduler = Scheduler(
        services.inbound, hub.worker, services.billing, services.exceptions, services.flows
    )
    services.reconciliation_jobs.on_reconciled = lambda report: hub_metrics().record_reconciliation(
        report.discrepancies
    )
    process = HubProcess(
        hub.relay,
        scheduler,
        services.reconciliation_jobs,
        wired.clock,
        housekeeping=Housekeeping(hub.governance),
        notify=notifier.tick,
        criticality=hub.criticality,
    )
    server = _Server(
        uvicorn.Config(
            create_app(hub, ports=served),
            host=bind_host,
            port=bind_port,
            log_level="warning",
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
    )

    def start_background() -> None:
        url = f"http://{bind_host}:{bound_port(server, bind_port)}/"
        systems = (
            f"Sandbox: {sandbox.url}, {speed:,.0f} simulated seconds a second"
            if sandbox
            else f"Systems: landscape {landscape.source}"
        )
        banner = Banner(url, settings.home, systems, admin_token)
        console.print("\n".join(banner.lines()), highlight=False, markup=False)
        process.start()
        admission.release()
        if sandbox and not stopping.is_set():
            sandbox.start_activity(
                speed=speed,
                contracts=_sandbox_contracts(landscape),
                vendors=landscape.sandbox_vendors,
            )

    stopping = threading.Event()
    starter = _once_serving(server, start_background, stopping)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stopping.set()
        _shut_down(sandbox, process, hub, starter)
        # Everything is closed: spare the interpreter's exit a collection of the whole
        # heap, which alone took seconds on a busy machine.
        gc.freeze()


def _sandbox(settings: Settings, landscape: Landscape, start: dt.date | None) -> Sandbox | None:
    """The sandbox's simulated systems, started, when the landscape is (or has) the sandbox."""
    if not landscape.has_sandbox:
        return None
    clock = SandboxClock(start=clock_start(settings.home / "sandbox", start))
    return Sandbox(settings.home / "sandbox", clock=clock).start()


def _sandbox_speed(landscape: Landscape) -> float:
    sandbox = landscape.content.sandbox
    return (sandbox.speed if sandbox else None) or DEFAULT_SPEED


def _feeds_read(landscape: Landscape) -> dict[str, dt.timedelta]:
    """The sandbox feeds with a retention among the systems the hub reads."""
    return feeds_read(system.connector for system in landscape.entries().values())


def _sandbox_contracts(landscape: Landscape) -> int:
    return landscape.content.sandbox.contracts if landscape.content.sandbox else 60


def _shut_down(
    sandbox: Sandbox | None, process: HubProcess, hub: Hub, starter: threading.Thread
) -> None:
    """Stop what works in the background (each part after the batch, day, call or step
    in hand), then the flows, the sandbox and the store, logging how long each took."""
    began = time.monotonic()
    log.info("stopping the hub")
    runtime.stop_steps()
    if sandbox:
        sandbox.stop_activity()  # a firm still loading stops between contracts
    starter.join(timeout=30)
    if sandbox:
        sandbox.stop_activity()  # in case the starter got to it only now
    activity = time.monotonic() - began
    process.stop()
    loops = time.monotonic() - began - activity
    runtime.shutdown()
    flows = time.monotonic() - began - activity - loops
    if sandbox:
        sandbox.stop()
    hub.close()
    log.info(
        "hub stopped after %.1f s (sandbox activity %.1f s, loops %.1f s, flows %.1f s); "
        "threads still running: %s",
        time.monotonic() - began,
        activity,
        loops,
        flows,
        [
            t.name
            for t in threading.enumerate()
            if not t.daemon and t is not threading.current_thread()
        ],
    )
