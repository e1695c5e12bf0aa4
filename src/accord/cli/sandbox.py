"""`accord sandbox up`: the sandbox landscape as a process of its own, so the processes
of a scaled-out hub (`accord up --role ...`) share one set of simulated systems."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from pathlib import Path

import typer
from rich.console import Console

from accord.cli.sandbox_speed import DEFAULT_SPEED, SpeedTooHigh, check_speed
from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.generator import ActivityGenerator
from accord.connectors.sandbox.landscape import Landscape, clock_start
from accord.connectors.sandbox.vendors import VENDORS
from accord.settings import Settings

console = Console(stderr=True, soft_wrap=True)
sandbox = typer.Typer(
    help="The sandbox landscape: six simulated systems and the vendor simulators.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox, name="sandbox")


@sandbox.command("up")
def up(
    host: str = typer.Option("127.0.0.1", help="bind address"),
    port: int = typer.Option(8500, help="port (0: any free one)"),
    speed: float = typer.Option(
        DEFAULT_SPEED,
        help="simulated seconds per real second (0: frozen clock, no activity); refused "
        "above what the feeds' retention allows",
    ),
    allow_lost_changes: bool = typer.Option(
        False,
        "--allow-lost-changes",
        help="accept a --speed at which the feeds can lose changes",
    ),
    start: dt.date | None = typer.Option(
        None,
        formats=["%Y-%m-%d"],
        help="the first simulated day on fresh state (default 2026-01-05); existing state "
        "resumes where its clock stopped",
    ),
    state: Path = typer.Option(
        None, help="directory of the systems' SQLite files (default ACCORD_HOME/sandbox)"
    ),
    seed: int = typer.Option(42, help="seed of the generated firm and its activity"),
    vendors: bool = typer.Option(
        True,
        "--vendors/--generic",
        help="where the firm works: the vendor simulators (as the default landscape's "
        "roles are played) or the generic systems (a landscape with `vendors: false`)",
    ),
    warmup: float = typer.Option(
        20.0,
        help="seconds the clock stays frozen after the firm is loaded, so the hub reads "
        "it before the CRM's 72-hour change feed ages out",
    ),
) -> None:
    """Serve the six systems and the vendor simulators (under /salesforce, /kantata,
    /workday, /netsuite), load the generated firm and produce its activity."""
    if speed:  # 0 freezes the clock: nothing can age out
        try:
            check_speed(speed, allow_lost_changes=allow_lost_changes)
        except SpeedTooHigh as error:
            console.print(f"[red]{error}[/red]")
            raise typer.Exit(2) from None
    state = state or Settings.from_env().home / "sandbox"
    clock = SandboxClock(start=clock_start(state, start))
    landscape = Landscape(state, clock=clock)
    landscape.start(host=host, port=port)
    systems = landscape.firm_systems(vendors=vendors)
    activity = ActivityGenerator(landscape.clock, systems, seed=seed)
    activity.load()
    console.print(f"[green]sandbox landscape up[/green]: {landscape.url}")
    console.print(f"vendor simulators: {', '.join(landscape.base_url(v) for v in VENDORS)}")
    print(landscape.url, flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        if speed and not stop.wait(warmup):
            activity.start(speed)
        stop.wait()
    finally:
        activity.close()
        landscape.stop()
