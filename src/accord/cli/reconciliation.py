"""`accord reconciliation`: request a reconciliation run and read how runs went.

Reconciliation reads every connected system, so it runs inside the hub (`accord up`, or
the scheduler when scaled out). From any shell on the hub's store, `request` queues a
job the running hub's scheduler takes at its next tick (`--wait` follows it) and
`status` shows a job or the last run.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from accord.adapters.reconciliation_runs import SqlAlchemyReconciliationRuns
from accord.application.audit import AuditTrail
from accord.application.clock import utc_now
from accord.application.reconciliation_jobs import ReconciliationRun, RunStatus
from accord.bootstrap import build_hub
from accord.settings import Settings

reconciliation_app = typer.Typer(help="Request reconciliation runs and read their results.")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
FINISHED = (RunStatus.DONE, RunStatus.FAILED)


def register(app: typer.Typer) -> None:
    app.add_typer(reconciliation_app, name="reconciliation")


@contextmanager
def _runs() -> Iterator[tuple[SqlAlchemyReconciliationRuns, AuditTrail]]:
    """The hub store's reconciliation jobs and audit trail."""
    hub = build_hub(Settings.from_env())
    try:
        yield SqlAlchemyReconciliationRuns(hub.engine), hub.governance.audit
    finally:
        hub.close()


def _describe(run: ReconciliationRun) -> str:
    line = f"reconciliation run #{run.id}: {run.status.value} (requested by {run.requested_by})"
    if run.status is RunStatus.DONE and run.report is not None:
        kinds = Counter(d["kind"] for d in run.report.get("discrepancies", []))
        found = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "none"
        line += f"; finished {run.finished_at:%Y-%m-%d %H:%M:%S} UTC, as of {run.as_of}"
        line += f"; discrepancies: {found}"
    if run.error:
        line += f"; failed: {run.error}"
    return line


@reconciliation_app.command("request")
def request(
    actor: str = typer.Option("cli", help="who asks, recorded in the job and the audit log"),
    wait: float = typer.Option(
        0, help="seconds to wait for the running hub to finish the run (0: do not wait)"
    ),
) -> None:
    """Queue a reconciliation run (or join the one under way) for the running hub."""
    with _runs() as (runs, audit):
        job = runs.request(actor, utc_now())
        audit.record(
            actor,
            "reconciliation.requested",
            f"reconciliation_run:{job.id}",
            after={"status": job.status.value},
            correlation_id=f"cli-reconciliation-{job.id}",
        )
        deadline = time.monotonic() + wait
        while job.status not in FINISHED and time.monotonic() < deadline:
            time.sleep(1)
            job = runs.get(job.id) or job
    console.print(_describe(job))
    if job.status not in FINISHED:
        console.print(
            "the running hub (`accord up`, or its scheduler) takes it at its next tick; "
            f"follow it with `accord reconciliation status {job.id}`"
        )
    if job.status is RunStatus.FAILED:
        raise typer.Exit(1)


@reconciliation_app.command("status")
def status(
    run_id: int = typer.Argument(None, help="a job's id; without it, the last and pending runs"),
) -> None:
    """Show a reconciliation job, or the last finished run and the one under way."""
    with _runs() as (runs, _):
        if run_id is not None:
            job = runs.get(run_id)
            if job is None:
                errors.print(f"[red]no reconciliation run {run_id}[/red]")
                raise typer.Exit(2)
            shown = [job]
        else:
            shown = [j for j in (runs.last_finished(), runs.pending()) if j is not None]
    if not shown:
        console.print("no reconciliation run yet: `accord reconciliation request` asks for one")
    for job in shown:
        console.print(_describe(job))
