"""`accord exceptions assign | tag | comment | notify`: the people side of the queue
from a shell on the store. Each change is kept in the exception's history and audited;
`notify` sends the notifications due now (new critical exceptions, SLA breaches,
escalations), each once, with the channels the environment configures."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable

import typer
from rich.console import Console

from accord.application.exception_people import ExceptionPeople, InvalidChange
from accord.application.ports import ExceptionRecord
from accord.bootstrap import build_hub
from accord.bootstrap.notifications import build_exception_notifier
from accord.cli.corrections import _fail
from accord.settings import Settings

console = Console(soft_wrap=True)
ACTOR = typer.Option(None, help="who acts, kept in the history (default: cli:<login>)")
ID = typer.Argument(..., help="the exception's id (see `accord exceptions list`)")


def _change(
    action: str,
    exception_id: int,
    actor: str | None,
    work: Callable[[ExceptionPeople, str], ExceptionRecord],
) -> ExceptionRecord:
    """Run `work` and audit it in one transaction; a refusal exits 2 with its reason."""
    who = actor or f"cli:{getpass.getuser()}"
    hub = build_hub(Settings.from_env())
    try:
        with hub.governance.audit.transaction():
            after = work(ExceptionPeople(hub.unit_of_work), who)
            hub.governance.audit.record(
                who,
                f"exception.{action}",
                f"exception:{exception_id}",
                after={"assignee": after.assignee, "tags": list(after.tags)},
                correlation_id="cli",
            )
            return after
    except KeyError:
        _fail(f"no exception {exception_id}; `accord exceptions list --status all` shows them")
    except InvalidChange as error:
        _fail(str(error))
    finally:
        hub.close()


def assign(
    exception_id: int = ID,
    person: str = typer.Argument(..., help="a person or API key name; `-` unassigns"),
    actor: str | None = ACTOR,
) -> None:
    """Assign an exception to a person (or unassign it with `-`)."""
    chosen = None if person == "-" else person
    record = _change(
        "assigned", exception_id, actor, lambda p, who: p.assign(exception_id, chosen, who)
    )
    console.print(f"exception {record.id}: assigned to {record.assignee or 'nobody'}")


def tag(
    exception_id: int = ID,
    name: str = typer.Argument(..., metavar="TAG", help="e.g. month-end"),
    remove: bool = typer.Option(False, "--remove", help="remove the tag instead"),
    actor: str | None = ACTOR,
) -> None:
    """Add a tag to an exception (or remove it with --remove)."""
    action = "untagged" if remove else "tagged"
    record = _change(
        action, exception_id, actor, lambda p, who: p.tag(exception_id, name, who, remove=remove)
    )
    console.print(f"exception {record.id}: tags {', '.join(record.tags) or '(none)'}")


def comment(
    exception_id: int = ID,
    text: str = typer.Argument(..., help="the comment, kept in the history"),
    actor: str | None = ACTOR,
) -> None:
    """Comment on an exception."""
    record = _change(
        "commented", exception_id, actor, lambda p, who: p.comment(exception_id, text, who)
    )
    console.print(f"exception {record.id}: comment added")


def notify() -> None:
    """Send the notifications due now, each once (see docs/exceptions.md)."""
    hub = build_hub(Settings.from_env())
    try:
        try:
            notifier = build_exception_notifier(hub, os.environ)
        except ValueError as error:
            _fail(str(error))
        sent = notifier.tick()
    finally:
        hub.close()
    for item in sent:
        console.print(
            f"exception {item.exception_id}: {item.event} by {item.channel} to {item.recipient}"
        )
    console.print(f"{len(sent)} notification(s) sent")
    if not notifier.configured:
        console.print(
            "no channel is configured: set ACCORD_SMTP_HOST with ACCORD_NOTIFY_<ROLE> or "
            "ACCORD_ESCALATE_<ROLE>, or ACCORD_NOTIFY_WEBHOOK_URL (see docs/exceptions.md)"
        )


def add_to(group: typer.Typer) -> None:
    """Attach the assign, tag, comment and notify commands to `accord exceptions`."""
    group.command("assign")(assign)
    group.command("tag")(tag)
    group.command("comment")(comment)
    group.command("notify")(notify)
