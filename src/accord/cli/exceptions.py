"""`accord exceptions`: list the exception queue and act on an exception.

`skip`, `approve` and `reject` only touch the store, so they work from any shell.
`retry` and `replay` wake the flow that waits on the exception: that flow lives in the
running hub (`accord up`), which carries them out through its API or dashboard.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import NoReturn, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from accord.application.clock import utc_now
from accord.application.exception_actions import ExceptionActionService
from accord.application.operations import ActionNotAvailable
from accord.application.ports import ExceptionRecord
from accord.bootstrap import Hub, build_hub, offline_exception_actions
from accord.cli import corrections
from accord.domain.exceptions import (
    ExceptionAction,
    ExceptionKind,
    ExceptionStatus,
    OwnerRole,
    TransientClass,
)
from accord.settings import Settings

E = TypeVar("E", bound=StrEnum)

exceptions_app = typer.Typer(help="The exception queue: list exceptions and act on them.")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def register(app: typer.Typer) -> None:
    corrections.add_to(exceptions_app)
    app.add_typer(exceptions_app, name="exceptions")


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]{message}[/red]")
    raise typer.Exit(2)


def _choice(enum: type[E], value: str | None, what: str) -> E | None:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        _fail(f"unknown {what} {value!r}; choose one of: {', '.join(m.value for m in enum)}")


def _age(created: dt.datetime, now: dt.datetime) -> str:
    seconds = max(0, int((now - created).total_seconds()))
    if seconds >= 86_400:
        return f"{seconds // 86_400}d"
    if seconds >= 3_600:
        return f"{seconds // 3_600}h"
    return f"{seconds // 60}m"


def _table(records: list[ExceptionRecord]) -> Table:
    """The queue as a table that stays readable at 80 columns: each cell stacks two
    facts, the id (what `exceptions act` needs) and the short columns never shrink, the
    subject and message wrap."""
    now = utc_now()
    table = Table(title=f"{len(records)} exception(s)", box=box.SIMPLE_HEAD, padding=(0, 1))
    id_width = max((len(str(record.id)) for record in records), default=2)
    table.add_column("id", no_wrap=True, min_width=max(2, id_width))
    table.add_column("kind\nowner", overflow="fold", max_width=24)
    table.add_column("status\nseverity", no_wrap=True)
    table.add_column("age", no_wrap=True)
    table.add_column("SLA due", no_wrap=True)
    table.add_column("subject\nmessage", overflow="fold", ratio=1)
    for record in records:
        table.add_row(
            str(record.id),
            f"{record.kind}\n{record.owner}",
            f"{record.status}\n{record.severity}",
            _age(record.created_at, now),
            record.sla_due.strftime("%Y-%m-%d\n%H:%M"),
            Text(record.subject + "\n") + Text(record.message, style="dim"),
        )
    return table


@exceptions_app.command("list")
def list_exceptions(
    owner: str = typer.Option(None, help="only this owner: billing, finance, pmo, integration, hr"),
    kind: str = typer.Option(None, help="only this kind, e.g. posting_rejected"),
    status: str = typer.Option("open", help="open, resolved, skipped or all"),
    transient: str = typer.Option(
        None, "--class", help="only system_unavailable of this class: outage, throttling, timeout"
    ),
) -> None:
    """List exceptions, open ones by default, oldest first."""
    wanted_status = None if status == "all" else _status(status)
    wanted_class = _choice(TransientClass, transient, "class")
    hub = build_hub(Settings.from_env())
    try:
        records = hub.exceptions(
            owner=_choice(OwnerRole, owner, "owner"),
            kind=_choice(ExceptionKind, kind, "kind"),
            status=wanted_status,
        )
    finally:
        hub.close()
    if wanted_class is not None:
        records = [r for r in records if r.details.get("transient_class") == wanted_class]
    console.print(_table(sorted(records, key=lambda r: r.id)))


def _status(value: str) -> ExceptionStatus:
    try:
        return ExceptionStatus(value)
    except ValueError:
        _fail(f"unknown status {value!r}; choose open, resolved, skipped or all")


def _resume_in_running_hub(workflow_id: str, action: ExceptionAction, note: str) -> None:
    raise ActionNotAvailable(
        f"{action} wakes the flow {workflow_id}, which runs inside the hub: "
        "act from the running hub (`accord up`, its API or dashboard); from this shell "
        "only skip, and approve or reject of a finance decision, are available"
    )


def _action_service(hub: Hub) -> ExceptionActionService:
    return offline_exception_actions(hub, _resume_in_running_hub)


@exceptions_app.command("act")
def act(
    exception_id: int = typer.Argument(
        ..., help="the exception's id (see `accord exceptions list`)"
    ),
    action: str = typer.Argument(..., help="retry, replay, approve, reject or skip"),
    note: str = typer.Option("", help="why: kept in the exception's history"),
    actor: str = typer.Option("cli", help="who acts, recorded with the note"),
) -> None:
    """Act on one open exception."""
    try:
        chosen = ExceptionAction(action)
    except ValueError:
        _fail(f"unknown action {action!r}; choose retry, replay, approve, reject or skip")
    hub = build_hub(Settings.from_env())
    try:
        record = _action_service(hub).act(exception_id, chosen, note, actor)
    except KeyError:
        _fail(f"no exception {exception_id}; `accord exceptions list --status all` shows them")
    except ActionNotAvailable as error:
        _fail(str(error))
    finally:
        hub.close()
    console.print(f"exception {record.id} ({record.kind} about {record.subject}): {record.status}")
