"""The `accord` command line: one Typer app, one sub-module per topic.

Every command lives in its own module, imported only when that command runs (see
`accord.cli.lazy`), so `accord --help` and `accord --version` answer at once. A module
that registers a new command adds it to `AccordCommands.commands_table` with its summary
(`tests/unit/cli/test_command_table.py` fails until it does).
"""

from __future__ import annotations

from importlib.metadata import version

import typer

from accord.cli.lazy import LazyCommand, LazyGroup


class AccordCommands(LazyGroup):
    """Each command's name, module and the summary `accord --help` shows."""

    commands_table = (
        LazyCommand("up", "accord.cli.hub", "Start the hub (dashboard, API, flows, sandbox)."),
        LazyCommand("status", "accord.cli.events", "Show event-log counts, backlog and lag."),
        LazyCommand("ingest", "accord.cli.events", "Append CloudEvents from a JSON-lines file."),
        LazyCommand("config", "accord.cli.landscape", "Check a landscape file; print its schema."),
        LazyCommand("connectors", "accord.cli.landscape", "Probe every configured system."),
        LazyCommand("mapping", "accord.cli.mapping", "Try a mapping on sample records."),
        LazyCommand("keys", "accord.cli.keys", "Create, list and revoke API keys."),
        LazyCommand("exceptions", "accord.cli.exceptions", "List exceptions and act on them."),
        LazyCommand("periods", "accord.cli.periods", "Close and reopen accounting periods."),
        LazyCommand("journals", "accord.cli.journals", "Post a month's ledger journals."),
        LazyCommand("reconciliation", "accord.cli.reconciliation", "Request and read runs."),
        LazyCommand("audit", "accord.cli.audit", "Inspect and verify the audit trail."),
        LazyCommand("retention", "accord.cli.audit", "Purge by retention; legal holds."),
        LazyCommand("sandbox", "accord.cli.sandbox", "Serve the sandbox landscape alone."),
        LazyCommand("scenario", "accord.cli.scenario", "Play scenario files through the hub."),
        LazyCommand("schema", "accord.cli.schema", "Export and check the canonical schemas."),
        LazyCommand("api", "accord.cli.api", "Export the OpenAPI and AsyncAPI documents."),
    )


app = typer.Typer(
    name="accord",
    cls=AccordCommands,
    help="Accord — contract-to-cash integration hub for professional-services firms.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"accord {version('accord')}")
        raise typer.Exit()


@app.callback()
def main(
    debug: bool = typer.Option(
        False, "--debug", envvar="ACCORD_DEBUG", help="show the traceback of an error"
    ),
    show_version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="print the version"
    ),
) -> None:
    """Accord — contract-to-cash integration hub for professional-services firms."""
