"""`accord scenario run FILE [--check] [--json]`: try a contract's billing before go-live."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from accord.scenarios.format import Scenario, ScenarioError, load_scenario
from accord.scenarios.report import differences
from accord.scenarios.runner import ScenarioEventRefused, ScenarioRunner

scenario_app = typer.Typer(help="Play scenario files through the hub and the sandbox.")
err = Console(stderr=True, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(scenario_app, name="scenario")


def _play(scenario: Scenario, workdir: Path | None, documents: Path | None) -> dict[str, Any]:
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        return ScenarioRunner(scenario, workdir, documents).run()
    with tempfile.TemporaryDirectory(prefix="accord-scenario-") as temp:
        return ScenarioRunner(scenario, Path(temp), documents).run()


@scenario_app.command("run")
def run(
    file: Path = typer.Argument(..., help="the scenario file (YAML or JSON)"),
    check: bool = typer.Option(False, "--check", help="compare with the file's expect block"),
    as_json: bool = typer.Option(True, "--json/--no-json", help="print the report as JSON"),
    workdir: Path | None = typer.Option(
        None, help="keep the run's databases here (default: a temporary directory)"
    ),
    documents: Path | None = typer.Option(
        None,
        "--documents",
        help="write each issued document here as <number>.ubl.xml and <number>.cii.xml "
        "(EN 16931 e-invoices: UBL 2.1 / Peppol BIS 3.0 and UN/CEFACT CII)",
    ),
) -> None:
    """Play FILE on a fresh embedded store and print the report (exit 1 if --check fails,
    2 if the file is not a valid scenario or one of its events cannot be carried out)."""
    try:
        scenario = load_scenario(file)
    except ScenarioError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    try:
        report = _play(scenario, workdir, documents)
    except ScenarioEventRefused as refused:
        err.print(f"[red]{file}: {refused}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report, indent=2, sort_keys=True))
    if check:
        found = list(differences(scenario.expect or {}, report))
        if found:
            err.print(f"[red]{file}: the report differs from expect in {len(found)} place(s):")
            for line in found:
                err.print(f"  {line}")
            raise typer.Exit(1)
        err.print(f"[green]{file}: the report matches expect[/green]")
