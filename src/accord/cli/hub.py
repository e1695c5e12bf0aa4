"""`accord up`: the hub on the embedded default — sandbox landscape, flows, API, dashboard."""

from __future__ import annotations

import datetime as dt
import signal
from pathlib import Path

import typer
import uvicorn
from rich.console import Console

from accord.adapters.sandbox_records import SandboxLandscapeRecords
from accord.api.app import create_app
from accord.application.reports import HubReports
from accord.bootstrap import build_hub, build_services, configure_firm, sandbox_connectors
from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.landscape import Landscape
from accord.firm_config import FirmConfigError, load_firm
from accord.flows import runtime
from accord.flows.hub_process import HubProcess
from accord.flows.operations import FlowCatalog, FlowInvoiceRuns
from accord.flows.scheduler import Scheduler
from accord.observability import configure_observability, hub_metrics
from accord.settings import Settings

SANDBOX_FIRM = Path(__file__).parents[1] / "connectors" / "sandbox" / "firm.yaml"
console = Console(stderr=True, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("up")(up)


def _flows_database(settings: Settings) -> str:
    if settings.is_embedded:
        return f"sqlite:///{settings.home / 'flows.sqlite'}"
    return settings.database_url.replace("postgresql+psycopg://", "postgresql://")


def up(
    host: str = typer.Option(
        None, help="HTTP bind address (default ACCORD_HTTP_HOST or 127.0.0.1)"
    ),
    port: int = typer.Option(None, help="HTTP port (default ACCORD_HTTP_PORT or 8400)"),
    firm: Path = typer.Option(SANDBOX_FIRM, help="finance configuration: entities, FX, tax"),
    speed: float = typer.Option(
        86_400.0, help="simulated seconds per real second in the sandbox (86400: a day a second)"
    ),
    start: dt.date = typer.Option(
        dt.date(2026, 1, 5), formats=["%Y-%m-%d"], help="the sandbox's first simulated day"
    ),
) -> None:
    """Start the hub on the embedded default with the sandbox landscape producing activity:
    event log, flows, scheduler, API and dashboard."""
    settings = Settings.from_env()
    try:
        finance = load_firm(firm)
    except FirmConfigError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    settings.home.mkdir(parents=True, exist_ok=True)
    configure_observability(settings.home)
    clock = SandboxClock(start=dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC))
    landscape = Landscape(settings.home / "sandbox", clock=clock).start()
    hub = build_hub(settings, clock=clock.now)
    services = build_services(
        hub, sandbox_connectors(landscape), clock.now, SandboxLandscapeRecords(landscape.base_url)
    )
    configure_firm(hub, services.billing, finance)
    runtime.launch(_flows_database(settings), runtime.FlowServices(services.contract_to_cash))
    hub.invoice_runs = FlowInvoiceRuns(clock.now)
    hub.flows = FlowCatalog()
    hub.exception_actions = services.exception_actions
    hub.reports = HubReports(services.billing, services.reconciliation, clock.now)
    scheduler = Scheduler(services.inbound, hub.worker, services.billing, services.contract_to_cash)
    process = HubProcess(
        hub.relay,
        scheduler,
        services.reconciliation,
        clock.now,
        on_reconciled=lambda report: hub_metrics().record_reconciliation(report.discrepancies),
    )
    process.start()
    landscape.start_activity(speed=speed)
    bind_host = host or settings.http_host
    bind_port = port or settings.http_port
    console.print(
        f"[green]Accord is up[/green]: dashboard http://{bind_host}:{bind_port}/ "
        f"(sandbox at {landscape.url}, state in {settings.home})"
    )
    try:
        uvicorn.run(create_app(hub), host=bind_host, port=bind_port, log_level="warning")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        landscape.stop_activity()
        process.stop()
        runtime.shutdown()
        landscape.stop()
        hub.close()
