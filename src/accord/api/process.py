"""Process APIs: start invoice runs and flows, and inspect the runs they started.

The routes call the hub's `invoice_runs` (`InvoiceRuns`) and `flows` (`Flows`) ports,
which the durable-flow layer provides; without them they answer 503.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool

from accord.api.models import Run, RunStarted, StartFlow, StartInvoiceRun
from accord.api.pagination import Cursor, Limit, Page, page_of
from accord.application.masking import masked_for
from accord.application.operations import Flows, InvoiceRuns, RunSummary
from accord.application.security import Permission, Principal
from accord.http import ports
from accord.http.correlation import correlation_of
from accord.http.problems import ProblemError, problem
from accord.http.security.auth import governance_of, require

router = APIRouter(prefix="/api/v1", tags=["process"])
Reader = Annotated[Principal, Depends(require(Permission.READ_RUNS))]
Unavailable: dict[int | str, dict[str, Any]] = {
    503: problem("The flow engine is not running in this hub")
}
RunId = Annotated[str, Path(max_length=200)]
"""A run id names business keys, which may hold `/`: its routes take the rest of the path."""


def _run(principal: Principal, run: RunSummary) -> Run:
    return Run(
        id=run.id,
        kind=run.kind,
        status=run.status,
        started_at=run.started_at,
        requested_by=run.requested_by,
        parameters=masked_for(principal, dict(run.parameters)),
        result=masked_for(principal, dict(run.result)) if run.result is not None else None,
    )


@router.post(
    "/invoice-runs",
    status_code=202,
    operation_id="start_invoice_run",
    summary="Start an invoice run",
    responses=Unavailable,
)
async def start_invoice_run(
    request: Request,
    body: StartInvoiceRun,
    principal: Annotated[Principal, Depends(require(Permission.START_RUNS))],
) -> RunStarted:
    """Bill approved time and accepted milestones through `through`, per contract."""
    runs: InvoiceRuns = ports.invoice_runs(request)
    run_id = await run_in_threadpool(runs.start, body.through, body.contract, principal.actor)
    await run_in_threadpool(
        governance_of(request).audit.record,
        principal.actor,
        "invoice_run.started",
        f"invoice_run:{run_id}",
        after=body.model_dump(mode="json"),
        correlation_id=correlation_of(request),
    )
    return RunStarted(id=run_id, href=f"/api/v1/invoice-runs/{run_id}")


@router.get(
    "/invoice-runs",
    operation_id="list_invoice_runs",
    summary="List invoice runs",
    responses=Unavailable,
)
async def list_invoice_runs(
    request: Request, principal: Reader, cursor: Cursor = None, limit: Limit = 50
) -> Page[Run]:
    runs: InvoiceRuns = ports.invoice_runs(request)
    items, after = page_of(await run_in_threadpool(runs.runs), lambda run: run.id, cursor, limit)
    return Page[Run](items=[_run(principal, run) for run in items], next_cursor=after)


@router.get(
    "/invoice-runs/{run_id:path}",
    operation_id="get_invoice_run",
    summary="Inspect an invoice run",
    responses={404: problem("No such run"), **Unavailable},
)
async def get_invoice_run(request: Request, principal: Reader, run_id: RunId) -> Run:
    runs: InvoiceRuns = ports.invoice_runs(request)
    run = await run_in_threadpool(runs.run, run_id)
    if run is None:
        raise ProblemError(404, "not-found", "Not found", f"no invoice run '{run_id}'")
    return _run(principal, run)


@router.get(
    "/flows",
    operation_id="list_flows",
    summary="Names of the flows that can be started",
    responses=Unavailable,
)
async def list_flows(request: Request, principal: Reader) -> list[str]:
    flows: Flows = ports.flows(request)
    return sorted(await run_in_threadpool(flows.names))


@router.post(
    "/flows/{flow}/runs",
    status_code=202,
    operation_id="start_flow",
    summary="Start a flow",
    responses={404: problem("No such flow"), **Unavailable},
)
async def start_flow(
    request: Request,
    flow: Annotated[str, Path(max_length=100)],
    body: StartFlow,
    principal: Annotated[Principal, Depends(require(Permission.START_FLOWS))],
) -> RunStarted:
    flows: Flows = ports.flows(request)
    if flow not in await run_in_threadpool(flows.names):
        raise ProblemError(
            404, "not-found", "Not found", f"no flow named '{flow}'; GET /api/v1/flows lists them"
        )
    try:
        run_id = await run_in_threadpool(flows.start, flow, body.parameters, principal.actor)
    except ValueError as error:
        raise ProblemError(422, "invalid-parameters", "Invalid parameters", str(error)) from None
    await run_in_threadpool(
        governance_of(request).audit.record,
        principal.actor,
        "flow.started",
        f"flow:{flow}:{run_id}",
        after=body.parameters,
        correlation_id=correlation_of(request),
    )
    return RunStarted(id=run_id, href=f"/api/v1/flow-runs/{run_id}")


@router.get(
    "/flow-runs/{run_id:path}",
    operation_id="get_flow_run",
    summary="Inspect a flow run",
    responses={404: problem("No such run"), **Unavailable},
)
async def get_flow_run(request: Request, principal: Reader, run_id: RunId) -> Run:
    flows: Flows = ports.flows(request)
    run = await run_in_threadpool(flows.run, run_id)
    if run is None:
        raise ProblemError(404, "not-found", "Not found", f"no flow run '{run_id}'")
    return _run(principal, run)
