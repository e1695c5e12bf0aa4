"""`accord exceptions correct | approve-correction | redrive`: replay with edit and re-drive
of quarantined events from a shell on the store (see `application/corrections.py`).

The shell names who acts with `--actor` (default: `cli:<login>`); the API and the
dashboard take it from the signed-in identity, which is what four eyes should rest on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from accord.application.correction_impact import BillingImpact
from accord.application.corrections import (
    CORRECTABLE,
    CorrectionPreview,
    CorrectionRefused,
    CorrectionService,
    RedriveSelection,
)
from accord.application.operations import ActionNotAvailable
from accord.bootstrap import build_hub
from accord.domain.corrections import FourEyesViolation
from accord.domain.exceptions import ExceptionKind
from accord.settings import Settings

T = TypeVar("T")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
ACTOR = typer.Option(None, help="who acts, kept in the audit trail (default: cli:<login>)")


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]{message}[/red]")
    raise typer.Exit(2)


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


def _with_service(
    action: str, subject: str, actor: str, work: Callable[[CorrectionService], T]
) -> T:
    """Run `work` on the hub's corrections, audited as `action` in the same transaction;
    a refusal ends the command with its reason (exit 2)."""
    hub = build_hub(Settings.from_env())
    try:
        assert hub.corrections is not None
        with hub.governance.audit.transaction():
            done = work(hub.corrections)
            if action:
                after = json.loads(
                    json.dumps(done, default=lambda o: getattr(o, "__dict__", str(o)))
                )
                hub.governance.audit.record(
                    actor, action, subject, after={"result": after}, correlation_id="cli"
                )
            return done
    except KeyError:
        _fail(f"no exception {subject}; `accord exceptions list --status all` shows them")
    except (ActionNotAvailable, CorrectionRefused, FourEyesViolation) as error:
        _fail(str(error))
    finally:
        hub.close()


def _plain(result: object) -> Any:
    """A correction or re-drive outcomes as JSON-ready data for the audit trail."""
    items = result if isinstance(result, list) else [result]
    plain = [
        dataclasses.asdict(item)
        for item in items
        if dataclasses.is_dataclass(item) and not isinstance(item, type)
    ]
    return json.loads(json.dumps(plain if isinstance(result, list) else plain[0], default=str))


def _print_preview(preview: CorrectionPreview) -> None:
    console.print(
        f"outcome: {preview.outcome}"
        + (f" ({preview.reason})" if preview.reason else "")
        + f"; {preview.business_kind or '-'} {preview.business_key or '-'}"
        + f" version {preview.version or '-'} (applied now: {preview.current_version or 'none'})"
    )
    table = Table(title="what the correction changes")
    for column in ("field", "now", "corrected"):
        table.add_column(column)
    for change in preview.changes:
        table.add_row(change.field, _text(change.before), _text(change.after))
    console.print(table)
    if preview.billing is not None:
        _print_billing(preview.billing)
    if preview.needs_approval:
        console.print("it changes money: a second person approves it before it applies")


def _print_billing(impact: BillingImpact) -> None:
    if impact.note:
        console.print(f"billing: {impact.note}")
        return
    table = Table(title=f"next invoice run for {impact.contract} through {impact.through}")
    for column in ("", "document", "line", "quantity", "unit price", "net"):
        table.add_column(column)
    for what, lines in (("adds", impact.added), ("no longer bills", impact.removed)):
        for line in lines:
            cells = ("document", "description", "quantity", "unit_price", "net")
            table.add_row(what, *(str(line[cell]) for cell in cells))
    console.print(table)
    for raised in impact.exceptions:
        console.print(f"raises {raised}")


def _text(value: Any) -> str:
    return "-" if value is None else json.dumps(value) if not isinstance(value, str) else value


def correct(
    exception_id: int = typer.Argument(..., help="an invalid_event or unknown_reference exception"),
    payload: Path = typer.Option(..., help="a file with the corrected CloudEvent (JSON)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="only show what it would do"),
    note: str = typer.Option("", help="why: kept in the history and the audit trail"),
    actor: str = ACTOR,
) -> None:
    """Correct a quarantined event's payload: dry run, then apply or await approval."""
    try:
        text = payload.read_text()
    except OSError as error:
        _fail(f"cannot read {payload}: {error.strerror}")
    who, subject = _actor(actor), f"exception:{exception_id}"
    if dry_run:
        _print_preview(_with_service("", subject, who, lambda s: s.preview(exception_id, text)))
        return
    done = _with_service(
        "exception.correction_submitted",
        subject,
        who,
        lambda s: s.submit(exception_id, text, who, note or "corrected"),
    )
    _print_preview(done.preview)
    console.print(f"exception {exception_id}: correction {done.status}")


def approve_correction(
    exception_id: int = typer.Argument(..., help="the exception whose correction awaits"),
    note: str = typer.Option("", help="why: kept in the history and the audit trail"),
    actor: str = ACTOR,
) -> None:
    """Approve a correction someone else submitted; it is applied once."""
    who = _actor(actor)
    done = _with_service(
        "exception.correction_approved",
        f"exception:{exception_id}",
        who,
        lambda s: s.approve(exception_id, who, note or "approved"),
    )
    console.print(f"exception {exception_id}: correction {done.status}, approved by {who}")


def redrive(
    ids: list[int] = typer.Argument(None, help="exception ids; all matching when omitted"),
    kind: str = typer.Option(None, help="invalid_event or unknown_reference"),
    source: str = typer.Option(None, help="only events from this source"),
    since: dt.datetime = typer.Option(None, help="raised at or after (ISO, UTC)"),
    until: dt.datetime = typer.Option(None, help="raised before (ISO, UTC)"),
    actor: str = ACTOR,
) -> None:
    """Re-drive quarantined events after a mapping or master-data fix."""
    names = [k.value for k in CORRECTABLE]
    if kind is not None and kind not in names:
        _fail(f"unknown kind {kind!r}; choose one of: {', '.join(names)}")
    selection = RedriveSelection(
        tuple(ids or ()), ExceptionKind(kind) if kind else None, source, _utc(since), _utc(until)
    )
    who = _actor(actor)
    outcomes = _with_service(
        "exception.redriven", "exceptions", who, lambda s: s.redrive(selection, who)
    )
    for outcome in outcomes:
        console.print(f"exception {outcome.exception_id}: {outcome.status} {outcome.reason or ''}")
    requeued = sum(1 for outcome in outcomes if outcome.status == "requeued")
    console.print(f"{requeued} requeued, {len(outcomes) - requeued} still open")


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def add_to(group: typer.Typer) -> None:
    """Attach the correction and re-drive commands to `accord exceptions`."""
    group.command("correct")(correct)
    group.command("approve-correction")(approve_correction)
    group.command("redrive")(redrive)
