"""Server-rendered dashboard pages (Jinja2); each page renders a read model of the hub,
masked for the signed-in principal exactly as the experience API masks it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from accord.application.corrections import pending_correction
from accord.application.exception_actions import allowed_actions
from accord.application.exception_handling import (
    criticality_of,
    exception_actions_or_queue,
    past_sla,
    take_action,
)
from accord.application.masking import masked_for
from accord.application.operations import ActionNotAvailable, Reports
from accord.application.ports import ExceptionRecord
from accord.application.posting_corrections import is_posting_correctable
from accord.application.security import Permission, Principal, Role
from accord.domain.exceptions import ExceptionAction, OwnerRole, Severity
from accord.http.correlation import correlation_of
from accord.http.ports import HubPorts, ports
from accord.http.problems import ProblemError
from accord.http.security.auth import governance_of
from accord.web.charts import bar_chart
from accord.web.formatting import money
from accord.web.forms import check_form_token, page_form_token, read_form
from accord.web.kpi_view import kpi_context
from accord.web.paging import paginate

STATIC = Path(__file__).parent / "static"
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters["money"] = money
router = APIRouter(include_in_schema=False)
AGES = {"1d": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def _principal(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal


def page(request: Request, name: str, context: Mapping[str, Any]) -> HTMLResponse:
    """Render a dashboard page with its form token."""
    csrf = page_form_token(request)
    return templates.TemplateResponse(request, name, {"page": name, "csrf": csrf, **context})


def now_of(services: HubPorts) -> datetime:
    """The hub's business clock when it runs the reports, else wall-clock time."""
    reports = services.reports
    return reports.now() if reports is not None else datetime.now(UTC)


def reports_of(request: Request) -> Reports:
    reports = ports(request).reports
    if reports is None:
        raise HTTPException(503, "this hub does not run the billing reports")
    return reports


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request) -> HTMLResponse:
    """Health at a glance: events by status, backlog and lag, SLA breaches."""
    hub = request.app.state.hub
    status = await run_in_threadpool(hub.status)
    records = await run_in_threadpool(hub.exceptions)
    now = now_of(ports(request))
    open_records = [r for r in records if str(r.status) == "open"]
    breached = [r for r in open_records if past_sla(hub, r, now)]
    counts = {str(s): n for s, n in status.counts.items()}
    # Events are stamped on receipt by the wall clock, so their lag is real time too.
    oldest = status.oldest_pending_at
    lag = datetime.now(UTC) - oldest if oldest else None
    by_owner = Counter(str(r.owner) for r in open_records)
    return page(
        request,
        "overview.html",
        {
            "status": status,
            "counts": counts,
            "lag": lag,
            "breached": paginate(breached, request, "breaches_page"),
            "events_chart": bar_chart(
                "Events by status", list(counts.items()), empty="no event has arrived yet"
            ),
            "owner_chart": bar_chart(
                "Open exceptions by owner", by_owner.most_common(), empty="none is open"
            ),
        },
    )


def _filters(request: Request) -> dict[str, str]:
    query = request.query_params
    keys = ("owner", "severity", "age", "status", "assignee", "tag")
    return {key: query.get(key, "").strip() for key in keys}


def filtered_exceptions(request: Request) -> tuple[list[ExceptionRecord], datetime]:
    """The exceptions the queue's filters (in the query) choose, and the time read;
    the most critical class first, each class oldest first."""
    hub = request.app.state.hub
    chosen = _filters(request)
    owner = OwnerRole(chosen["owner"]) if chosen["owner"] in set(OwnerRole) else None
    records = hub.exceptions(owner, None, None)
    now = now_of(ports(request))
    wanted_status = chosen["status"] or "open"
    shown = [
        r
        for r in records
        if (wanted_status == "all" or str(r.status) == wanted_status)
        and (not chosen["severity"] or str(r.severity) == chosen["severity"])
        and (chosen["age"] not in AGES or now - r.created_at >= AGES[chosen["age"]])
        and (not chosen["assignee"] or r.assignee == chosen["assignee"])
        and (not chosen["tag"] or chosen["tag"] in r.tags)
    ]
    return sorted(shown, key=lambda r: criticality_of(hub, r).rank), now


@router.get("/exceptions", response_class=HTMLResponse)
async def exceptions(request: Request) -> HTMLResponse:
    """The exception queue, filtered by owner, severity, age, assignee and tag, with the
    actions to resolve."""
    chosen = _filters(request)
    shown, now = await run_in_threadpool(filtered_exceptions, request)
    wanted_status = chosen["status"] or "open"
    principal = _principal(request)
    table = paginate(shown, request)
    rows = [
        {
            "record": r,
            "details": masked_for(principal, jsonable_encoder(dict(r.details))),
            "actions": [a.value for a in allowed_actions(r)],
            "age": now - r.created_at,
            "breached": past_sla(request.app.state.hub, r, now),
            "awaiting": pending_correction(r) is not None,
            "posting": is_posting_correctable(r),
            "criticality": criticality_of(request.app.state.hub, r).value,
        }
        for r in table.rows
    ]
    context = {
        "rows": rows,
        "table": table,
        "chosen": chosen | {"status": wanted_status},
        "owners": [o.value for o in OwnerRole],
        "severities": [s.value for s in Severity],
        "ages": list(AGES),
        "can_act": principal.can(Permission.ACT_ON_EXCEPTIONS),
        "notice": request.query_params.get("notice"),
        "back": urlencode(chosen),
        "chart": bar_chart(
            "Shown by severity",
            Counter(str(r.severity) for r in shown).most_common(),
            empty="no exception matches these filters",
        ),
    }
    return page(request, "exceptions.html", context)


def _chosen_action(form: Mapping[str, str]) -> ExceptionAction:
    known = ", ".join(action.value for action in ExceptionAction)
    name = form.get("action", "").strip()
    if not name:
        raise ProblemError(400, "bad-request", "Bad request", f"choose an action: {known}")
    try:
        return ExceptionAction(name)
    except ValueError:
        raise ProblemError(
            400, "unknown-action", "Unknown action", f"unknown action '{name}'; one of: {known}"
        ) from None


@router.post("/exceptions/{exception_id}/act")
async def act(request: Request, exception_id: int) -> Response:
    """Take an action from the queue, with the API's rules: the owning team or an admin,
    and every action audited."""
    form = await read_form(request)
    check_form_token(request, form)
    action = _chosen_action(form)
    note = form.get("note", "").strip()
    back = form.get("back", "")
    principal = _principal(request)
    hub = request.app.state.hub
    record = next(
        (r for r in await run_in_threadpool(hub.exceptions) if r.id == exception_id), None
    )
    if record is None:
        raise HTTPException(404, f"no exception with id {exception_id}")
    owners = {role.value for role in principal.roles}
    allowed = principal.can(Permission.ACT_ON_EXCEPTIONS) and (
        Role.ADMIN in principal.roles or str(record.owner) in owners
    )
    if not allowed:
        raise HTTPException(403, f"exception {exception_id} belongs to the {record.owner} team")
    try:
        after = await run_in_threadpool(
            take_action,
            governance_of(request),
            exception_actions_or_queue(ports(request).exception_actions, hub.unit_of_work),
            record,
            action,
            note,
            principal.actor,
            correlation_of(request),
        )
    except ActionNotAvailable as error:
        notice = f"#{exception_id}: {error}"
    else:
        notice = f"#{exception_id} {action.value}: now {after.status}"
    if form.get("to") == "detail":
        where = f"/exceptions/{exception_id}?{urlencode({'notice': notice})}"
        return RedirectResponse(where, status_code=303)
    return RedirectResponse(f"/exceptions?{back}&{urlencode({'notice': notice})}", status_code=303)


def _amount_rows(items: list[Mapping[str, Any]], key: str) -> list[tuple[str, Decimal]]:
    totals: dict[str, Decimal] = {}
    for item in items:
        if item.get("amount") is not None and item.get("currency"):
            label = f"{item[key]} {item['currency']}"
            totals[label] = totals.get(label, Decimal(0)) + Decimal(str(item["amount"]))
    return sorted(totals.items(), key=lambda row: -row[1])


@router.get("/reconciliation", response_class=HTMLResponse)
async def reconciliation(request: Request) -> HTMLResponse:
    """Where the connected systems disagree, as the last reconciliation run found it (the
    page never runs one; it offers to request one), and billable work not billed."""
    reports = reports_of(request)
    principal = _principal(request)
    found = masked_for(
        principal, jsonable_encoder(dict(await run_in_threadpool(reports.reconciliation)))
    )
    leak = masked_for(principal, jsonable_encoder(dict(await run_in_threadpool(reports.leakage))))
    discrepancies = found.get("discrepancies", [])
    by_comparison = Counter(f"{d['comparison']} · {d['kind']}" for d in discrepancies)
    return page(
        request,
        "reconciliation.html",
        {
            "run": found,
            "can_request": principal.can(Permission.START_RUNS),
            "notice": request.query_params.get("notice"),
            "discrepancies": paginate(discrepancies, request, "discrepancies_page"),
            "leakage": leak,
            "leakage_items": paginate(leak.get("items", []), request, "leakage_page"),
            "discrepancy_chart": bar_chart(
                "Discrepancies", by_comparison.most_common(), empty="the systems agree"
            ),
            "leakage_chart": bar_chart(
                "Leakage by source",
                _amount_rows(leak.get("items", []), "source"),
                empty="no billable work is waiting to be billed",
            ),
        },
    )


@router.post("/reconciliation/run")
async def request_reconciliation(request: Request) -> Response:
    """Request a reconciliation run, as `POST /api/v1/reconciliation/runs` does; the page
    then shows the job under way until the scheduler has run it."""
    check_form_token(request, await read_form(request))
    principal = _principal(request)
    if not principal.can(Permission.START_RUNS):
        raise HTTPException(403, f"requesting a reconciliation needs {Permission.START_RUNS}")
    try:
        job = await run_in_threadpool(reports_of(request).request_reconciliation, principal.actor)
    except ActionNotAvailable as error:
        notice = str(error)
    else:
        await run_in_threadpool(
            governance_of(request).audit.record,
            principal.actor,
            "reconciliation.requested",
            f"reconciliation_run:{job['id']}",
            after={"status": job["status"]},
            correlation_id=correlation_of(request),
        )
        notice = f"reconciliation run #{job['id']} {job['status']}"
    return RedirectResponse(f"/reconciliation?{urlencode({'notice': notice})}", status_code=303)


@router.get("/kpis", response_class=HTMLResponse)
async def kpis(request: Request) -> HTMLResponse:
    """Business KPIs: activation time, invoice cycle time, first-time posting accuracy,
    billed vs approved, and the documents behind them, with charts."""
    found = await run_in_threadpool(reports_of(request).kpis)
    shown = masked_for(_principal(request), jsonable_encoder(dict(found)))
    return page(request, "kpis.html", kpi_context(shown))


@router.get("/invoices", response_class=HTMLResponse)
async def invoices(request: Request) -> HTMLResponse:
    """Every issued document, each linking to its lineage."""
    found = await run_in_threadpool(reports_of(request).invoices)
    shown = masked_for(_principal(request), jsonable_encoder(list(found)))
    return page(request, "invoices.html", {"invoices": paginate(shown, request)})


@router.get("/invoices/{number:path}", response_class=HTMLResponse)
async def lineage(request: Request, number: str) -> HTMLResponse:
    """An invoice's lines back to their time entries, rate-card versions and contract terms."""
    document = await run_in_threadpool(reports_of(request).lineage, number)
    if document is None:
        raise HTTPException(404, f"no invoice '{number}'; pick one from /invoices")
    shown = masked_for(_principal(request), jsonable_encoder(dict(document)))
    return page(request, "lineage.html", {"document": shown})
