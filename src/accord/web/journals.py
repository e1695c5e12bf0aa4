"""The journals page: a month's balanced ledger entries with where each stands in the
ERP (posted with its move number, refused with the reason, pending), and the button
finance presses to post the month. It calls what the API calls, with the same audit."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accord.application.gateways import is_gateway_failure
from accord.application.journal_posting import (
    JournalPostingUnsupported,
    count_by_state,
    post_audited,
)
from accord.application.security import Permission, Principal
from accord.domain.calendar import Period
from accord.http import ports
from accord.http.correlation import correlation_of
from accord.http.security.auth import governance_of
from accord.web.forms import check_form_token, read_form
from accord.web.pages import now_of, page

router = APIRouter(include_in_schema=False)


def _month(request: Request, value: str | None) -> str:
    if not value:
        today: date = now_of(ports.ports(request)).date()
        return f"{today:%Y-%m}"
    try:
        return str(Period.parse(value))
    except ValueError:
        raise HTTPException(400, f"period {value!r} is not a month; write YYYY-MM") from None


def _entries(request: Request, month: str, entity: str | None) -> dict[str, Any]:
    """The month's entries and their states; an ERP that does not answer leaves the
    states unknown and says so, the entries still show."""
    entries = ports.journals(request).postings(Period.parse(month), entity)
    poster = ports.journal_posting(request)
    states, problem = {}, ""
    if poster.supported:
        try:
            read = poster.statuses(Period.parse(month), entity)
        except Exception as error:
            if not is_gateway_failure(error):
                raise
            read, problem = [], f"the ERP did not answer ({error.reason}); states unknown"
        states = {status.document_number: status for status in read}
    counts = count_by_state(list(states.values()))
    return {"entries": entries, "states": states, "counts": counts, "problem": problem,
            "supported": poster.supported}  # fmt: skip


@router.get("/journals", response_class=HTMLResponse)
async def journals(request: Request) -> HTMLResponse:
    """A month's journal entries (default: the current one) with their posting states."""
    month = _month(request, request.query_params.get("period"))
    entity = request.query_params.get("entity") or None
    shown = await run_in_threadpool(_entries, request, month, entity)
    principal: Principal = request.state.principal
    context = {
        **shown,
        "period": month,
        "entity": entity or "",
        "can_post": principal.can(Permission.START_RUNS) and shown["supported"],
        "notice": request.query_params.get("notice", ""),
    }
    return page(request, "journals.html", context)


@router.post("/journals")
async def post_month(request: Request) -> Response:
    """Post the month's entries to the ERP, each once; the page then shows the result."""
    form = await read_form(request)
    check_form_token(request, form)
    principal: Principal = request.state.principal
    if not principal.can(Permission.START_RUNS):
        raise HTTPException(403, f"posting journals needs {Permission.START_RUNS}")
    month, entity = _month(request, form.get("period")), form.get("entity") or None
    try:
        statuses = await run_in_threadpool(
            post_audited,
            ports.journal_posting(request),
            governance_of(request),
            month,
            entity,
            principal.actor,
            correlation_of(request),
        )
    except JournalPostingUnsupported as error:
        notice = str(error)
    except Exception as error:
        if not is_gateway_failure(error):
            raise
        notice = f"the ERP did not answer ({error.reason}); post the month again later"
    else:
        counts = count_by_state(statuses)
        notice = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing"
    query = urlencode({"period": month, "entity": entity or "", "notice": notice})
    return RedirectResponse(f"/journals?{query}", status_code=303)
