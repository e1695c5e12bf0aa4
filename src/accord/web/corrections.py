"""Dashboard pages for replay with edit (a quarantined event's payload, or the posting of a
document the ERP refused, corrected after a dry run, approved by a second person when it
changes money) and accounting periods
(finance closes and reopens them). They call what the API calls, with the same rules
and the same audit rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accord.application.correction_decisions import approve_audited, submit_audited
from accord.application.corrections import CorrectionRefused, pending_correction
from accord.application.operations import ActionNotAvailable
from accord.application.periods import PeriodRefused, change_period
from accord.application.ports import ExceptionRecord
from accord.application.posting_corrections import is_posting_correctable
from accord.application.security import Permission, Principal, Role
from accord.domain.corrections import FourEyesViolation
from accord.http.correlation import correlation_of
from accord.http.ports import corrections_of, periods_of
from accord.http.security.auth import governance_of
from accord.web.forms import check_form_token, read_form
from accord.web.pages import page

router = APIRouter(include_in_schema=False)
REFUSED = (ActionNotAvailable, CorrectionRefused, FourEyesViolation, KeyError)


def _principal(request: Request) -> Principal:
    principal: Principal = request.state.principal
    return principal


def _record(request: Request, exception_id: int) -> ExceptionRecord:
    with request.app.state.hub.reading() as uow:
        record: ExceptionRecord | None = uow.exceptions.get(exception_id)
    if record is None:
        raise HTTPException(404, f"no exception with id {exception_id}")
    return record


def _may_correct(principal: Principal, record: ExceptionRecord) -> bool:
    owners = {role.value for role in principal.roles}
    return principal.can(Permission.ACT_ON_EXCEPTIONS) and (
        Role.ADMIN in principal.roles or str(record.owner) in owners
    )


async def _correction_page(
    request: Request, exception_id: int, extra: Mapping[str, Any]
) -> HTMLResponse:
    record = await run_in_threadpool(_record, request, exception_id)
    principal = _principal(request)
    service = corrections_of(request)
    stored = None
    if str(record.status) == "open":
        try:
            stored = await run_in_threadpool(service.stored_payload, exception_id)
        except REFUSED as error:
            extra = {"notice": str(error), **extra}
    awaiting = pending_correction(record)
    context = {
        "record": record,
        "posting": is_posting_correctable(record),
        "payload": stored or "",
        "awaiting": awaiting,
        "can_correct": _may_correct(principal, record) and stored is not None,
        "can_approve": awaiting is not None
        and principal.can(Permission.APPROVE_CORRECTIONS)
        and awaiting.get("by") != principal.actor,
        "notice": request.query_params.get("notice", ""),
        **extra,
    }
    return page(request, "correct.html", context)


@router.get("/exceptions/{exception_id}/correct", response_class=HTMLResponse)
async def correction(request: Request, exception_id: int) -> HTMLResponse:
    """The quarantined payload, ready to edit, and any correction awaiting approval."""
    return await _correction_page(request, exception_id, {})


@router.post("/exceptions/{exception_id}/correct", response_model=None)
async def correct(request: Request, exception_id: int) -> Response:
    """`intent=preview` shows the dry run without writing; `intent=submit` submits."""
    form = await read_form(request)
    check_form_token(request, form)
    record = await run_in_threadpool(_record, request, exception_id)
    principal = _principal(request)
    if not _may_correct(principal, record):
        raise HTTPException(403, f"exception {exception_id} belongs to the {record.owner} team")
    payload, note = form.get("payload", ""), form.get("note", "").strip() or "corrected"
    service = corrections_of(request)
    try:
        if form.get("intent") == "submit":
            done = await run_in_threadpool(
                submit_audited,
                service,
                governance_of(request),
                exception_id,
                payload,
                note,
                principal.actor,
                correlation_of(request),
            )
            return _back(exception_id, f"correction {done.status}")
        preview = await run_in_threadpool(service.preview, exception_id, payload)
    except REFUSED as error:
        return await _correction_page(request, exception_id, {"notice": str(error)})
    extra = {"preview": preview, "payload_edited": payload, "note": note}
    return await _correction_page(request, exception_id, extra)


@router.post("/exceptions/{exception_id}/approve")
async def approve(request: Request, exception_id: int) -> Response:
    form = await read_form(request)
    check_form_token(request, form)
    principal = _principal(request)
    if not principal.can(Permission.APPROVE_CORRECTIONS):
        raise HTTPException(403, f"approving a correction needs {Permission.APPROVE_CORRECTIONS}")
    note = form.get("note", "").strip() or "approved"
    try:
        done = await run_in_threadpool(
            approve_audited,
            corrections_of(request),
            governance_of(request),
            exception_id,
            note,
            principal.actor,
            correlation_of(request),
        )
    except REFUSED as error:
        return _back(exception_id, str(error))
    return _back(exception_id, f"correction {done.status}, approved by {principal.actor}")


def _back(exception_id: int, notice: str) -> RedirectResponse:
    query = urlencode({"notice": notice})
    return RedirectResponse(f"/exceptions/{exception_id}/correct?{query}", status_code=303)


@router.get("/periods", response_class=HTMLResponse)
async def periods(request: Request) -> HTMLResponse:
    """Closed periods per entity; finance closes and reopens them here."""
    closed = await run_in_threadpool(periods_of(request).closed)
    context = {
        "closed": closed,
        "can_manage": _principal(request).can(Permission.MANAGE_PERIODS),
        "notice": request.query_params.get("notice", ""),
    }
    return page(request, "periods.html", context)


@router.post("/periods")
async def change(request: Request) -> Response:
    form = await read_form(request)
    check_form_token(request, form)
    principal = _principal(request)
    if not principal.can(Permission.MANAGE_PERIODS):
        raise HTTPException(403, f"closing a period needs {Permission.MANAGE_PERIODS}")
    entity, month = form.get("entity", ""), form.get("period", "")
    close, note = form.get("intent") != "reopen", form.get("note", "").strip() or "month-end"
    try:
        done = await run_in_threadpool(
            change_period,
            periods_of(request),
            governance_of(request),
            entity,
            month,
            close,
            note,
            principal.actor,
            correlation_of(request),
        )
    except PeriodRefused as error:
        notice = str(error)
    else:
        state = "closed" if done.closed else "open"
        notice = f"{done.entity} {done.period}: {state}{'' if done.changed else ' already'}"
    return RedirectResponse(f"/periods?{urlencode({'notice': notice})}", status_code=303)
