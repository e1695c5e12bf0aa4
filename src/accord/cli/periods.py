"""`accord periods list | close | reopen`: finance's accounting periods per entity.

A change to invoiced time or expenses dated in a closed period waits as a
`closed_period_change` exception for finance's approval. Closing and reopening are
audited; the shell names who acts with `--actor` (default: `cli:<login>`).
"""

from __future__ import annotations

import getpass
from typing import NoReturn

import typer
from rich.console import Console

from accord.application.periods import PeriodChange, PeriodRefused
from accord.bootstrap import build_hub
from accord.settings import Settings

periods_app = typer.Typer(help="Accounting periods: list, close and reopen them per entity.")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
ACTOR = typer.Option(None, help="who acts, kept in the audit trail (default: cli:<login>)")
NOTE = typer.Option("", help="why: kept in the audit trail")


def register(app: typer.Typer) -> None:
    app.add_typer(periods_app, name="periods")


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]{message}[/red]")
    raise typer.Exit(2)


@periods_app.command("list")
def list_periods() -> None:
    """The closed periods of each entity."""
    hub = build_hub(Settings.from_env())
    try:
        closed = hub.periods.closed() if hub.periods is not None else {}
    finally:
        hub.close()
    for entity, months in closed.items():
        console.print(f"{entity}: {', '.join(months) or 'no closed period'}")


def _change(entity: str, period: str, close: bool, note: str, actor: str | None) -> None:
    hub = build_hub(Settings.from_env())
    who = actor or f"cli:{getpass.getuser()}"
    try:
        if hub.periods is None:
            _fail("this hub keeps no billing state")
        audit = hub.governance.audit
        with audit.transaction():
            done: PeriodChange = (
                hub.periods.close(entity, period) if close else hub.periods.reopen(entity, period)
            )
            audit.record(
                who,
                "period.closed" if close else "period.reopened",
                f"period:{entity}:{done.period}",
                before={"closed": done.closed != done.changed},
                after={"closed": done.closed, "note": note},
                correlation_id="cli",
            )
    except PeriodRefused as error:
        _fail(str(error))
    finally:
        hub.close()
    state = "closed" if done.closed else "open"
    console.print(f"{entity} {done.period}: {state}{'' if done.changed else ' already'}")


@periods_app.command("close")
def close(
    entity: str = typer.Argument(..., help="the legal entity, e.g. DE01"),
    period: str = typer.Argument(..., help="the month, YYYY-MM"),
    note: str = NOTE,
    actor: str = ACTOR,
) -> None:
    """Close a period: changes dated in it wait for finance's approval."""
    _change(entity, period, True, note, actor)


@periods_app.command("reopen")
def reopen(
    entity: str = typer.Argument(..., help="the legal entity, e.g. DE01"),
    period: str = typer.Argument(..., help="the month, YYYY-MM"),
    note: str = NOTE,
    actor: str = ACTOR,
) -> None:
    """Reopen a period: changes dated in it are billed like any other again."""
    _change(entity, period, False, note, actor)
