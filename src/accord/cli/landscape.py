"""`accord config check` and `accord connectors check`: the landscape file, checked
without starting anything, and every configured system probed once."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from accord.bootstrap import check_connectors, remote_sandbox_url
from accord.connectors.sdk.connector import PROBES
from accord.firm_config import FirmConfigError, load_firm_config
from accord.landscape import Landscape, LandscapeError, load_landscape

console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
errors = Console(stderr=True, soft_wrap=True)
config_app = typer.Typer(help="The landscape file: which system plays each role.")
connectors_app = typer.Typer(help="The configured systems' connectors.")
DEFAULT_SANDBOX_URL = "http://127.0.0.1:8500"
"""Where `accord sandbox up` serves the sandbox by default."""


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
    app.add_typer(connectors_app, name="connectors")


def landscape_or_exit(path: Path | None) -> Landscape:
    """The landscape at `path` (or ACCORD_CONFIG), the sandbox without one; a bad file
    prints each offending key and its reason and exits 2."""
    chosen = path or (Path(value) if (value := os.environ.get("ACCORD_CONFIG")) else None)
    if chosen is None:
        return Landscape.default()
    try:
        landscape = load_landscape(chosen)
        load_firm_config(landscape.firm_file)
    except (LandscapeError, FirmConfigError) as error:
        errors.print(str(error), style="red", markup=False, highlight=False)
        raise typer.Exit(2) from None
    return landscape


@config_app.command("check")
def check_config(
    file: Path = typer.Argument(..., help="the landscape file (YAML)"),
) -> None:
    """Validate a landscape file without starting anything: keys, types, connectors,
    secret references, the firm configuration and mapping files. Exit 2 when it is bad."""
    landscape = landscape_or_exit(file)
    table = Table(title=f"landscape {file}")
    for column in ("key", "connector", "base URL"):
        table.add_column(column)
    for key, entry in landscape.entries().items():
        table.add_row(key, entry.connector, entry.base_url or "-")
    console.print(table)
    sandbox = " with the sandbox" if landscape.has_sandbox else ""
    console.print(f"valid{sandbox}; firm configuration {landscape.firm_file}")


def _mark(value: object) -> str:
    if value is True:
        return "yes"
    return "no" if value is False else "-"


@connectors_app.command("check")
def check(
    config: Path | None = typer.Option(
        None, "--config", help="the landscape file (default ACCORD_CONFIG; none: the sandbox)"
    ),
    sandbox_url: str = typer.Option(
        DEFAULT_SANDBOX_URL,
        envvar="ACCORD_SANDBOX_URL",
        help="the sandbox `accord sandbox up` serves, for sandbox systems without base_url",
    ),
) -> None:
    """Probe every configured system once (reachable, authenticated, can read and write
    what the flows need) and print a table; exit 1 if any fails."""
    landscape = landscape_or_exit(config)
    results = check_connectors(landscape, remote_sandbox_url(sandbox_url))
    table = Table(title="connectors")
    for column in ("system", "connector", *PROBES, "detail"):
        table.add_column(column)
    for key, (name, result) in results.items():
        probes = [_mark(result.details.get(probe)) for probe in PROBES]
        if not any(probe in result.details for probe in PROBES):
            probes[0] = _mark(result.ok)
        table.add_row(key.removeprefix("systems."), name, *probes, result.message)
    console.print(table)
    failed = [key for key, (_, result) in results.items() if not result.ok]
    if failed:
        errors.print(f"[red]{len(failed)} system(s) failed[/red]: {', '.join(failed)}")
        raise typer.Exit(1)
    console.print(f"all {len(results)} systems ready")
