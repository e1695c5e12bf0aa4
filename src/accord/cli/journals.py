"""`accord journals post MONTH | status MONTH`: a month's ledger journals in the ERP.

`post` books every journal entry of the month (revenue, contract position, both legs of
each intercompany charge) that the ERP does not hold yet, each once: posting a month
again books nothing twice. An entry of a month closed in Accord, or one the ERP refuses
(its period closed there, an unknown account), is not posted and opens a
`posting_rejected` exception for finance. `status` reads each entry's state back. The
ERP is the landscape's (ACCORD_CONFIG or `--config`): its ERP connector, or when that
takes no journal entries its first erp source that does (a journal file drop, a legacy
journal table). Account codes come from ACCORD_LEDGER_ACCOUNTS. Exit 1 when an entry
was refused or the ERP did not answer, 2 for bad input.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from accord.application.gateways import is_gateway_failure
from accord.application.journal_posting import (
    JournalPoster,
    JournalPostingUnsupported,
    JournalStatus,
    PostingState,
    count_by_state,
)
from accord.application.journals import ChartOfAccountsError, chart_of_accounts
from accord.bootstrap import Hub, build_connectors, build_hub, remote_sandbox_url
from accord.bootstrap.core import offline_journal_poster
from accord.cli.landscape import DEFAULT_SANDBOX_URL, landscape_or_exit
from accord.domain.calendar import Period
from accord.settings import Settings

journals_app = typer.Typer(help="Ledger journals: post a month's entries to the ERP.")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
MONTH = typer.Argument(..., help="the month the entries belong to, YYYY-MM")
ENTITY = typer.Option(None, "--entity", help="one legal entity (default: all)")
CONFIG = typer.Option(None, "--config", help="the landscape file (default ACCORD_CONFIG)")
SANDBOX = typer.Option(DEFAULT_SANDBOX_URL, envvar="ACCORD_SANDBOX_URL", help="the sandbox URL")


def register(app: typer.Typer) -> None:
    app.add_typer(journals_app, name="journals")


def _month(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError:
        errors.print(f"[red]{text!r} is not a month; give it as YYYY-MM, e.g. 2026-01[/red]")
        raise typer.Exit(2) from None


@contextmanager
def _poster(config: Path | None, sandbox_url: str) -> Iterator[tuple[JournalPoster, Hub]]:
    settings = Settings.from_env()
    try:
        accounts = chart_of_accounts(settings.ledger_accounts)
    except ChartOfAccountsError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    landscape = landscape_or_exit(config)
    hub = build_hub(settings)
    connectors = build_connectors(landscape, remote_sandbox_url(sandbox_url))
    try:
        yield offline_journal_poster(hub, connectors, accounts), hub
    finally:
        hub.close()


def _show(statuses: list[JournalStatus]) -> None:
    if not statuses:
        console.print("no journal entries in that month (for that entity)")
        return
    table = Table(title="journal entries")
    for column in ("entry", "state", "ERP number / reason"):
        table.add_column(column)
    for status in statuses:
        table.add_row(status.document_number, status.state, status.erp_number or status.reason)
    console.print(table)
    counts = count_by_state(statuses)
    console.print(", ".join(f"{count} {state}" for state, count in counts.items()))


def _run(
    action: Callable[[JournalPoster], list[JournalStatus]],
    config: Path | None,
    url: str,
    audited: str | None = None,
) -> None:
    """Run `action`, show the entries; with `audited` (the subject), record who posted."""
    with _poster(config, url) as (poster, hub):
        try:
            statuses = action(poster)
        except JournalPostingUnsupported as error:
            errors.print(str(error), style="red", markup=False)
            raise typer.Exit(2) from None
        except Exception as error:
            if not is_gateway_failure(error):
                raise
            said = f"the ERP did not answer ({error.reason}); run the command again later"
            errors.print(said, style="red", markup=False)
            raise typer.Exit(1) from None
        if audited is not None:
            actor = f"cli:{getpass.getuser()}"
            hub.governance.audit.record(
                actor, "journals.posted", audited, after=count_by_state(statuses),
                correlation_id="cli",
            )  # fmt: skip
    _show(statuses)
    if any(status.state is PostingState.REFUSED for status in statuses):
        raise typer.Exit(1)


@journals_app.command("post")
def post(
    month: str = MONTH, entity: str | None = ENTITY, config: Path | None = CONFIG,
    sandbox_url: str = SANDBOX,
) -> None:  # fmt: skip
    """Post the month's entries the ERP does not hold yet, each once."""
    period = _month(month)
    subject = f"journals:{period}" + (f":{entity}" if entity else "")
    _run(lambda poster: poster.post(period, entity), config, sandbox_url, subject)


@journals_app.command("status")
def status(
    month: str = MONTH, entity: str | None = ENTITY, config: Path | None = CONFIG,
    sandbox_url: str = SANDBOX,
) -> None:  # fmt: skip
    """Each entry of the month: posted (ERP number), refused (reason) or pending."""
    period = _month(month)
    _run(lambda poster: poster.statuses(period, entity), config, sandbox_url)
