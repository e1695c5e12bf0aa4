"""`accord audit verify|anchor|show` and `accord retention purge|hold|release|holds`."""

from __future__ import annotations

import uuid

import typer
from rich.console import Console
from rich.table import Table

from accord.application.audit import AuditTampered
from accord.application.audit_anchor import NotAnchored
from accord.cli.keys import CLI_ACTOR, open_governance

console = Console()
audit = typer.Typer(help="Inspect and verify the hash-chained audit trail.", no_args_is_help=True)
retention = typer.Typer(
    help="Purge old payloads and personal data; legal holds.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(audit, name="audit")
    app.add_typer(retention, name="retention")


UNANCHORED_EXIT = 3
"""`accord audit verify`: the chain is whole, but its head is not anchored."""


@audit.command("verify")
def verify() -> None:
    """Walk the chain and check it against the signed anchors outside the database.

    Exit 0: intact and anchored. Exit 1: tampered (the first row at fault is named).
    Exit 3: the chain is whole but its head is not anchored, so a cut-off tail or a
    recomputed chain could not be seen (the message says how to anchor it)."""
    with open_governance() as governance:
        result = governance.audit.verify()
    if not result.ok:
        where = f"at row {result.broken_at}" if result.broken_at is not None else "(anchors)"
        console.print(
            f"[red]audit trail TAMPERED {where}:[/] {result.reason} "
            f"({result.checked} rows verified before it)"
        )
        raise typer.Exit(code=1)
    console.print(f"audit trail intact: {result.checked} rows verified")
    if result.unanchored is not None:
        console.print(f"[yellow]NOT ANCHORED:[/] {result.unanchored}")
        raise typer.Exit(code=UNANCHORED_EXIT)
    since = result.checked - (result.anchored_through or 0)
    console.print(
        f"head anchored through row {result.anchored_through}"
        + (f"; {since} rows written since are anchored next" if since else "")
    )


@audit.command("anchor")
def anchor() -> None:
    """Sign the chain's head with the audit key and append it to the anchor file, once
    the rows written since the previous anchor verify (the hub does this hourly)."""
    with open_governance() as governance:
        try:
            signed = governance.audit.anchor()
        except NotAnchored as error:
            console.print(f"[red]error:[/] {error}")
            raise typer.Exit(code=2) from None
        except AuditTampered as error:
            console.print(f"[red]not anchored, the audit trail is TAMPERED:[/] {error}")
            raise typer.Exit(code=1) from None
    if signed is None:
        console.print("nothing new to anchor: no row was written since the last anchor")
        return
    console.print(f"anchored row {signed.seq} (hash {signed.hash[:16]}…)")


@audit.command("show")
def show(limit: int = typer.Option(20, help="how many of the latest rows")) -> None:
    """The latest rows: when, who, what, on which subject."""
    with open_governance() as governance:
        rows = governance.audit.records()[-limit:]
    table = Table("seq", "at", "actor", "action", "subject", "correlation")
    for row in rows:
        table.add_row(
            str(row.seq),
            row.at.isoformat(timespec="seconds"),
            row.actor,
            row.action,
            row.subject,
            row.correlation_id,
        )
    console.print(table)


@retention.command("purge")
def purge() -> None:
    """Purge raw payloads and personal data past their retention, except held scopes."""
    with open_governance() as governance:
        report = governance.retention.purge(CLI_ACTOR, f"cli:{uuid.uuid4().hex}")
    console.print(
        f"purged {report.payloads_purged} raw payloads (before "
        f"{report.raw_payload_cutoff:%Y-%m-%d}) and {report.audit_rows_purged} audit documents "
        f"(before {report.personal_data_cutoff:%Y-%m-%d}); held: "
        f"{', '.join(report.held_scopes) or 'none'}"
    )


@retention.command("hold")
def hold(
    scope: str = typer.Argument(..., help="source, subject or business-key prefix to keep"),
    reason: str = typer.Option(..., help="why, e.g. the case reference"),
) -> None:
    """Place a legal hold: nothing in its scope is purged until it is released."""
    with open_governance() as governance:
        placed = governance.retention.place_hold(
            scope, reason, CLI_ACTOR, f"cli:{uuid.uuid4().hex}"
        )
    console.print(f"legal hold {placed.id} on '{scope}'")


@retention.command("release")
def release(
    hold_id: int = typer.Argument(..., help="the id `accord retention holds` shows"),
) -> None:
    """Release a legal hold."""
    with open_governance() as governance:
        released = governance.retention.release_hold(hold_id, CLI_ACTOR, f"cli:{uuid.uuid4().hex}")
    if released is None:
        console.print(f"[red]error:[/] no active legal hold {hold_id}.")
        raise typer.Exit(code=1)
    console.print(f"released legal hold {hold_id}")


@retention.command("holds")
def holds() -> None:
    """List active legal holds."""
    with open_governance() as governance:
        active = governance.retention.holds()
    table = Table("id", "scope", "reason", "placed by", "placed at")
    for item in active:
        table.add_row(
            str(item.id),
            item.scope,
            item.reason,
            item.placed_by,
            item.placed_at.isoformat(timespec="seconds"),
        )
    console.print(table)
