"""`accord ingest FILE` and `accord status`: feed the inbound event log and watch it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from accord.application.ingest import IngestReport
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
    """Append the events of FILE to the inbound event log; duplicates change nothing."""
    lines = _read_json_lines(file)
    hub = build_hub(Settings.from_env())
    try:
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


def _read_json_lines(file: Path) -> list[bytes]:
    if not file.is_file():
        console.print(f"[red]error:[/] {file} does not exist or is not a file.")
        raise typer.Exit(code=2)
    lines = [line for line in file.read_bytes().splitlines() if line.strip()]
    if not lines or not lines[0].lstrip().startswith(b"{"):
        console.print(
            f"[red]error:[/] {file} is not JSON lines: expected one CloudEvent JSON object "
            "per line (a line starting with '{')."
        )
        raise typer.Exit(code=2)
    return lines


def _print_report(report: IngestReport) -> None:
    console.print(
        f"accepted {report.accepted}, duplicates {report.duplicates}, "
        f"quarantined {report.quarantined}"
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
