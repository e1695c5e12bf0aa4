"""The dashboard's flows page: every kind of flow the hub runs, with its steps and its
latest runs, the invoice runs it has started, and a form that starts one with the API's
rule (`runs:start`) and audit row."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accord.application.operations import Flows
from accord.application.security import Permission, Principal
from accord.http.correlation import correlation_of
from accord.http.ports import ports
from accord.http.security.auth import governance_of
from accord.web.charts import bar_chart
from accord.web.forms import check_form_token, read_form
from accord.web.pages import now_of, page
from accord.web.paging import paginate

router = APIRouter(include_in_schema=False)
RECENT = 10


def _kinds(catalog: Flows | None) -> list[dict[str, Any]]:
    if catalog is None:
        return []
    return [
        {"kind": kind, "runs": list(catalog.recent(kind.name, RECENT))} for kind in catalog.kinds()
    ]


@router.get("/flows", response_class=HTMLResponse)
async def flows(request: Request) -> HTMLResponse:
    """Every flow with its steps and latest runs, and the invoice runs started so far."""
    hub = ports(request)
    runner = hub.invoice_runs
    runs = list(await run_in_threadpool(runner.runs)) if runner is not None else []
    by_status = Counter(run.status for run in runs)
    principal: Principal = request.state.principal
    context = {
        "names": list(hub.flows.names()) if hub.flows is not None else [],
        "kinds": await run_in_threadpool(_kinds, hub.flows),
        "runs": paginate(runs, request),
        "can_start": runner is not None and principal.can(Permission.START_RUNS),
        "today": now_of(hub).date().isoformat(),
        "notice": request.query_params.get("notice", ""),
        "chart": bar_chart(
            "Runs by status", by_status.most_common(), empty="no invoice run has started yet"
        ),
    }
    return page(request, "flows.html", context)


def _through(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise HTTPException(
            400, f"'{text}' is not a date; give the last day to bill as YYYY-MM-DD"
        ) from None


@router.post("/flows/invoice-runs")
async def start_invoice_run(request: Request) -> Response:
    """Start an invoice run as `POST /api/v1/invoice-runs` does: `runs:start`, audited."""
    form = await read_form(request)
    check_form_token(request, form)
    principal: Principal = request.state.principal
    if not principal.can(Permission.START_RUNS):
        raise HTTPException(403, f"starting an invoice run needs {Permission.START_RUNS}")
    runner = ports(request).invoice_runs
    if runner is None:
        raise HTTPException(503, "this hub does not run invoice runs")
    through = _through(form.get("through", ""))
    contract = form.get("contract", "").strip() or None
    run_id = await run_in_threadpool(runner.start, through, contract, principal.actor)
    await run_in_threadpool(
        governance_of(request).audit.record,
        principal.actor,
        "invoice_run.started",
        f"invoice_run:{run_id}",
        after={"through": through.isoformat(), "contract": contract},
        correlation_id=correlation_of(request),
    )
    notice = f"invoice run {run_id} started"
    return RedirectResponse(f"/flows?{urlencode({'notice': notice})}", status_code=303)
