"""`accord ingest FILE` and `accord status`: feed the inbound event log and watch it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from accord.application.ingest import IngestReport, Refusal
from accord.application.ports import EventLogStatus
from accord.bootstrap import build_hub
from accord.settings import Settings

console = Console()


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("status")(status)


def ingest(
    file: Path = typer.Argument(..., help="JSON lines, one CloudEvent (structured mode) a line"),
) -> None:
    """Append the events of FILE to the inbound event log; duplicates change nothing.

    A line over the event size limit or nested too deeply refuses the whole file (exit
    2): nothing is ingested until it is fixed or removed."""
    numbered = _read_json_lines(file)
    lines = [line for _, line in numbered]
    hub = build_hub(Settings.from_env())
    try:
        _refuse_out_of_bounds(file, [number for number, _ in numbered], hub.ingest.refusals(lines))
        with Progress(
            TextColumn("ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("ingest", total=len(lines))
            report = hub.ingest.ingest_lines(
                lines, on_batch=lambda batch: progress.advance(task, batch.received)
            )
    finally:
        hub.close()
    _print_report(report)


def _read_json_lines(file: Path) -> list[tuple[int, bytes]]:
    """The file's non-blank lines with their line numbers (from 1)."""
    if not file.is_file():
        console.print(f"[red]error:[/] {file} does not exist or is not a file.")
        raise typer.Exit(code=2)
    numbered = [
        (number, line)
        for number, line in enumerate(file.read_bytes().splitlines(), start=1)
        if line.strip()
    ]
    if not numbered or not numbered[0][1].lstrip().startswith(b"{"):
        console.print(
            f"[red]error:[/] {file} is not JSON lines: expected one CloudEvent JSON object "
            "per line (a line starting with '{')."
        )
        raise typer.Exit(code=2)
    return numbered


def _refuse_out_of_bounds(file: Path, numbers: list[int], refused: list[Refusal]) -> None:
    if not refused:
        return
    for refusal in refused[:10]:
        where = escape(f"{file}, line {numbers[refusal.position]}")
        console.print(f"[red]error:[/] {where}: {escape(refusal.reason)}", highlight=False)
    if len(refused) > 10:
        console.print(f"... and {len(refused) - 10} more lines like these.")
    console.print("Nothing was ingested: fix or remove these lines and run again.")
    raise typer.Exit(code=2)


def _print_report(report: IngestReport) -> None:
    console.print(
        f"accepted {report.accepted}, duplicates {report.duplicates}, "
        f"quarantined {report.quarantined}"
    )
    if report.corrected:
        console.print(
            f"  {report.corrected} of the accepted correct quarantined events (same source "
            "and id); the quarantined deliveries are kept as superseded"
        )
    for reason, count in report.reasons.most_common():
        console.print(f"  quarantined x{count}: {reason}", markup=False)
    if report.quarantined:
        console.print("List them with `accord status`; each raised an invalid_event exception.")


def status() -> None:
    """Show event-log counts, backlog, outbox lag and open exceptions."""
    hub = build_hub(Settings.from_env())
    try:
        console.print(_status_table(hub.status()))
    finally:
        hub.close()


def _status_table(current: EventLogStatus) -> Table:
    table = Table(title="Accord event log")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for event_status, count in current.counts.items():
        table.add_row(f"events {event_status.value}", str(count))
    table.add_row("backlog (pending)", str(current.backlog))
    table.add_row("oldest pending", _age(current.oldest_pending_at))
    table.add_row("outbox unpublished", str(current.outbox_unpublished))
    table.add_row("oldest unpublished", _age(current.oldest_unpublished_at))
    table.add_row("open exceptions", str(current.open_exceptions))
    return table


def _age(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return f"{(datetime.now(UTC) - moment).total_seconds():.1f} s ago"
