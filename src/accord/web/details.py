"""The dashboard page of one exception: what it is, who owns it, how old it is, the money
it holds up, its source record as stored, its history and the actions open to the
signed-in person (posted with the queue's own form)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse

from accord.application.corrections import pending_correction
from accord.application.exception_actions import allowed_actions
from accord.application.exception_handling import past_sla
from accord.application.exception_people import comments_of
from accord.application.masking import masked_for
from accord.application.ports import ExceptionRecord
from accord.application.posting_corrections import is_posting_correctable
from accord.application.security import Permission, Principal
from accord.http.ports import ports
from accord.web.exception_people import may_act
from accord.web.pages import now_of, page

router = APIRouter(include_in_schema=False)
CORRECTABLE = ("invalid_event", "unknown_reference")


def _record(request: Request, exception_id: int) -> ExceptionRecord:
    with request.app.state.hub.reading() as uow:
        record: ExceptionRecord | None = uow.exceptions.get(exception_id)
    if record is None:
        raise HTTPException(404, f"no exception with id {exception_id}; pick one from /exceptions")
    return record


def _amount(details: Mapping[str, Any]) -> tuple[Any, Any]:
    """The amount at risk as the exception's details carry it, with its currency."""
    for key in ("amount_at_risk", "amount", "net", "total"):
        if details.get(key) not in (None, ""):
            return details[key], details.get("currency")
    return None, None


@router.get("/exceptions/{exception_id}", response_class=HTMLResponse)
async def detail(request: Request, exception_id: int) -> HTMLResponse:
    """One exception with its source record, history and the actions open to the reader."""
    record = await run_in_threadpool(_record, request, exception_id)
    principal: Principal = request.state.principal
    details = masked_for(principal, jsonable_encoder(dict(record.details)))
    amount, currency = _amount(details)
    now = now_of(ports(request))
    is_open = str(record.status) == "open"
    context = {
        "record": record,
        "source": json.dumps(details, indent=2, sort_keys=True, ensure_ascii=False),
        "amount": amount,
        "currency": currency,
        "age": now - record.created_at,
        "breached": past_sla(request.app.state.hub, record, now),
        "actions": [a.value for a in allowed_actions(record)] if is_open else [],
        "can_act": is_open and may_act(principal, record),
        "can_assign": may_act(principal, record),
        "can_comment": principal.can(Permission.ACT_ON_EXCEPTIONS),
        "comments": comments_of(record),
        "correctable": is_open
        and (str(record.kind) in CORRECTABLE or is_posting_correctable(record)),
        "posting": is_posting_correctable(record),
        "awaiting": pending_correction(record) is not None,
        "history": [jsonable_encoder(dict(entry)) for entry in record.history],
    }
    return page(request, "exception.html", context)
