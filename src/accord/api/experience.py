"""Experience APIs behind the dashboard: status, exceptions and their actions,
reconciliation, leakage, lineage and KPIs. Every document is masked for the caller."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder

from accord.api.models import BusinessExceptionView, ExceptionComment, TakeAction
from accord.api.pagination import Cursor, Limit, Page, page_of
from accord.application.corrections import pending_correction
from accord.application.exception_actions import allowed_actions
from accord.application.exception_handling import (
    criticality_of,
    exception_actions_or_queue,
    take_action,
)
from accord.application.exception_people import comments_of
from accord.application.masking import masked_for
from accord.application.operations import ActionNotAvailable, ExceptionActions, Reports
from accord.application.ports import ExceptionRecord
from accord.application.security import Permission, Principal, Role
from accord.domain.criticality import CriticalityClass
from accord.domain.exceptions import ExceptionKind, ExceptionStatus, OwnerRole, TransientClass
from accord.http import ports
from accord.http.correlation import correlation_of
from accord.http.problems import ProblemError, problem
from accord.http.security.auth import governance_of, require

router = APIRouter(prefix="/api/v1", tags=["experience"])
Exceptions = Annotated[Principal, Depends(require(Permission.READ_EXCEPTIONS))]
ReportReader = Annotated[Principal, Depends(require(Permission.READ_REPORTS))]
Actor = Annotated[Principal, Depends(require(Permission.ACT_ON_EXCEPTIONS))]
"""A caller who may act on exceptions (retry, correct, assign, comment)."""
Unavailable: dict[int | str, dict[str, Any]] = {
    503: problem("The service behind this view is not running in this hub")
}


def _view(request: Request, principal: Principal, record: ExceptionRecord) -> BusinessExceptionView:
    return BusinessExceptionView(
        id=record.id,
        kind=record.kind,
        owner=record.owner,
        severity=record.severity,
        subject=record.subject,
        status=record.status,
        message=record.message,
        details=masked_for(principal, jsonable_encoder(dict(record.details))),
        sla_due=record.sla_due,
        created_at=record.created_at,
        resolved_at=record.resolved_at,
        blocks=list(record.blocks),
        actions=[action.value for action in allowed_actions(record)],
        history=[jsonable_encoder(dict(entry)) for entry in record.history],
        assignee=record.assignee,
        tags=list(record.tags),
        comments=[ExceptionComment.model_validate(c) for c in comments_of(record)],
        criticality=criticality_of(request.app.state.hub, record).value,
    )


def _status(request: Request) -> dict[str, Any]:
    status = request.app.state.hub.status()
    is_record = dataclasses.is_dataclass(status) and not isinstance(status, type)
    document = dataclasses.asdict(status) if is_record else status
    encoded: dict[str, Any] = jsonable_encoder(document)
    return encoded


@router.get("/status", operation_id="get_status", summary="Event log, outbox and queue health")
async def get_status(request: Request, principal: ReportReader) -> dict[str, Any]:
    return await run_in_threadpool(_status, request)


@router.get("/exceptions", operation_id="list_exceptions", summary="The exception queue")
async def list_exceptions(
    request: Request,
    principal: Exceptions,
    owner: OwnerRole | None = None,
    kind: ExceptionKind | None = None,
    status: Annotated[ExceptionStatus | None, Query()] = None,
    transient_class: Annotated[
        TransientClass | None,
        Query(description="only system_unavailable exceptions of this class"),
    ] = None,
    awaiting_approval: Annotated[
        bool, Query(description="only those whose correction awaits a second approver")
    ] = False,
    assignee: Annotated[str | None, Query(description="only those assigned to this person")] = None,
    tag: Annotated[str | None, Query(description="only those with this tag")] = None,
    criticality: Annotated[
        CriticalityClass | None, Query(description="only those of this criticality class")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[BusinessExceptionView]:
    records = await run_in_threadpool(request.app.state.hub.exceptions, owner, kind, status)
    if assignee is not None:
        records = [r for r in records if r.assignee == assignee]
    if tag is not None:
        records = [r for r in records if tag in r.tags]
    if transient_class is not None:
        records = [r for r in records if r.details.get("transient_class") == transient_class]
    if awaiting_approval:
        records = [r for r in records if pending_correction(r) is not None]
    if criticality is not None:
        hub = request.app.state.hub
        records = [r for r in records if criticality_of(hub, r) is criticality]
    items, after = page_of(records, lambda record: record.id, cursor, limit)
    return Page[BusinessExceptionView](
        items=[_view(request, principal, record) for record in items], next_cursor=after
    )


def no_such_exception(exception_id: int) -> ProblemError:
    """The 404 answer for an exception id the hub does not know."""
    return ProblemError(404, "not-found", "Not found", f"no exception with id {exception_id}")


def _one(request: Request, exception_id: int) -> ExceptionRecord:
    for record in request.app.state.hub.exceptions():
        if record.id == exception_id:
            return record  # type: ignore[no-any-return]
    raise no_such_exception(exception_id)


ExceptionId = Annotated[int, Path(ge=1, le=2**62)]


@router.get(
    "/exceptions/{exception_id}",
    operation_id="get_exception",
    summary="One exception",
    responses={404: problem("No such exception")},
)
async def get_exception(
    request: Request, principal: Exceptions, exception_id: ExceptionId
) -> BusinessExceptionView:
    return _view(request, principal, await run_in_threadpool(_one, request, exception_id))


async def owning_team_only(
    request: Request, principal: Principal, exception_id: int
) -> ExceptionRecord:
    """The exception, when the caller is on its owning team (or an admin); 403 otherwise."""
    record = await run_in_threadpool(_one, request, exception_id)
    owners = {role.value for role in principal.roles}
    if Role.ADMIN not in principal.roles and record.owner.value not in owners:
        raise ProblemError(
            403,
            "forbidden",
            "Permission denied",
            f"exception {exception_id} belongs to the {record.owner} team",
        )
    return record


def exception_actions_of(request: Request) -> ExceptionActions:
    """The hub's exception actions, or the queue's own when no flows are wired."""
    hub = request.app.state.hub
    return exception_actions_or_queue(ports.ports(request).exception_actions, hub.unit_of_work)


@router.post(
    "/exceptions/{exception_id}/actions",
    operation_id="act_on_exception",
    summary="Retry, replay, approve, reject or skip an exception",
    responses={404: problem("No such exception"), 409: problem("Action not available")},
)
async def act_on_exception(
    request: Request,
    exception_id: ExceptionId,
    body: TakeAction,
    principal: Actor,
) -> BusinessExceptionView:
    """Only the owning team (or an admin) acts on an exception; every action is audited."""
    before = await owning_team_only(request, principal, exception_id)
    try:
        after = await run_in_threadpool(
            take_action,
            governance_of(request),
            exception_actions_of(request),
            before,
            body.action,
            body.note,
            principal.actor,
            correlation_of(request),
        )
    except ActionNotAvailable as error:
        raise ProblemError(
            409, "action-not-available", "Action not available", str(error)
        ) from None
    except KeyError:
        raise no_such_exception(exception_id) from None
    return _view(request, principal, after)


async def _report(request: Request, principal: Principal, name: str) -> dict[str, Any]:
    reports: Reports = ports.reports(request)
    document = await run_in_threadpool(getattr(reports, name))
    masked: dict[str, Any] = masked_for(principal, jsonable_encoder(dict(document)))
    return masked


@router.get(
    "/reconciliation",
    operation_id="get_reconciliation",
    responses=Unavailable,
    summary="Where the connected systems disagree",
)
async def get_reconciliation(request: Request, principal: ReportReader) -> dict[str, Any]:
    """The last reconciliation run's discrepancies, `as_of` the business day compared,
    `ran_at` when it finished, `last_run` the latest job that finished (done or failed)
    and `pending` the job requested or running. It never runs a reconciliation:
    `POST /api/v1/reconciliation/runs` asks for one, the scheduler also runs one on its
    interval."""
    return await _report(request, principal, "reconciliation")


RunStarter = Annotated[Principal, Depends(require(Permission.START_RUNS))]


@router.post(
    "/reconciliation/runs",
    status_code=202,
    operation_id="request_reconciliation_run",
    responses=Unavailable,
    summary="Request a reconciliation run (the one under way, if any)",
)
async def request_reconciliation_run(request: Request, principal: RunStarter) -> dict[str, Any]:
    """Queue a reconciliation job for the scheduler and answer with it: poll its `href`
    until `status` is `done` (or `failed`), then read `GET /api/v1/reconciliation`. While
    a job is requested or running, a request answers with that job, so two requests do
    not run two reconciliations."""
    reports: Reports = ports.reports(request)
    try:
        job = dict(await run_in_threadpool(reports.request_reconciliation, principal.actor))
    except ActionNotAvailable as error:
        raise ProblemError(503, "unavailable", "Service unavailable", str(error)) from None
    await run_in_threadpool(
        governance_of(request).audit.record,
        principal.actor,
        "reconciliation.requested",
        f"reconciliation_run:{job['id']}",
        after={"status": job["status"]},
        correlation_id=correlation_of(request),
    )
    return job


@router.get(
    "/reconciliation/runs/{run_id}",
    operation_id="get_reconciliation_run",
    responses={404: problem("No such reconciliation run"), **Unavailable},
    summary="A reconciliation job's status",
)
async def get_reconciliation_run(
    request: Request, principal: ReportReader, run_id: Annotated[int, Path(ge=1, le=2**62)]
) -> dict[str, Any]:
    reports: Reports = ports.reports(request)
    job = await run_in_threadpool(reports.reconciliation_run, run_id)
    if job is None:
        raise ProblemError(404, "not-found", "Not found", f"no reconciliation run {run_id}")
    return dict(job)


@router.get(
    "/leakage",
    operation_id="get_leakage",
    responses=Unavailable,
    summary="Billable work not billed: unbilled time, held excess, write-downs",
)
async def get_leakage(request: Request, principal: ReportReader) -> dict[str, Any]:
    return await _report(request, principal, "leakage")


@router.get(
    "/lineage/{invoice_number:path}",
    operation_id="get_lineage",
    responses={404: problem("No such invoice"), **Unavailable},
    summary="From an invoice line to its time entries, rate-card version and contract terms",
)
async def get_lineage(
    request: Request,
    principal: ReportReader,
    invoice_number: Annotated[str, Path(max_length=200)],
) -> dict[str, Any]:
    reports: Reports = ports.reports(request)
    document = await run_in_threadpool(reports.lineage, invoice_number)
    if document is None:
        raise ProblemError(404, "not-found", "Not found", f"no invoice '{invoice_number}'")
    masked: dict[str, Any] = masked_for(principal, jsonable_encoder(dict(document)))
    return masked


@router.get("/kpis", operation_id="get_kpis", summary="Headline indicators")
async def get_kpis(request: Request, principal: ReportReader) -> dict[str, Any]:
    """Event-log health always (`event_log`); with the hub's reports, the business KPIs
    too (`billing`):

    - `contract_activation`: hours from the signing day to the end of the activation
      flow, and `invoice_cycle`: hours from the end of the billed period to the ERP's
      posting confirmation (invoices and credit notes); each with `measured`, `waiting`
      (still under way), `median_hours`, `p90_hours`, `max_hours` and a `distribution`
      of counts by bucket;
    - `first_time_posting`: `posted`, `first_time`, `retried` and `percent` of posted
      documents that never raised a posting exception;
    - `billed_vs_approved`: per currency, approved billable time and accepted milestones
      (`approved`) against what invoices and credit notes billed for them (`billed`),
      `unbilled`, `billed_percent`, `unvalued_entries` (approved hours with no rate) and
      `unbilled_time_overdue` / `unbilled_time_overdue_entries`: the unbilled time past
      its grace, the same entries `/leakage` and reconciliation's `unbilled_time` list;
    - `queue_effort`: per month (the last six), exceptions `opened` and `closed` and the
      `median_hours_to_resolve` of those closed in it;
    - `backlog_conversion`: per month and currency, approved billable time worked before
      the month and unbilled when it began (`backlog_at_start`), the part of it billed by
      the month's documents (`backlog_billed`, `conversion_percent`) and every work line
      the month billed (`billed_in_period`);
    - `disputes`: per month and currency, the month's `invoices` and how many a credit note
      reduced since (`disputed`, `disputed_percent`), their gross (`invoiced`) and what
      credit notes took off them (`credited`);
    - `documents`, `documents_by_status` and `billed_net_by_currency`.

    Amounts, hours and percentages are decimal strings; null where nothing is measured yet.
    """
    kpis = {"event_log": await run_in_threadpool(_status, request)}
    reports = ports.ports(request).reports
    if reports is not None:
        kpis["billing"] = jsonable_encoder(dict(await run_in_threadpool(reports.kpis)))
    masked: dict[str, Any] = masked_for(principal, kpis)
    return masked
