"""Dashboard forms on an exception's page: assign it to a person, tag it, comment on it.

They make the change the API makes, with the same rules (the owning team or an admin
assigns and tags; anyone who may act on exceptions comments) and the same audit rows,
then lead back to the exception's page with what was done.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from accord.application.exception_people import ExceptionPeople, InvalidChange, change_audited
from accord.application.ports import ExceptionRecord
from accord.application.security import Permission, Principal, Role
from accord.http.correlation import correlation_of
from accord.http.security.auth import governance_of
from accord.web.forms import check_form_token, read_form

router = APIRouter(include_in_schema=False)
Change = Callable[[ExceptionPeople], ExceptionRecord]


def _record(request: Request, exception_id: int) -> ExceptionRecord:
    with request.app.state.hub.reading() as uow:
        record: ExceptionRecord | None = uow.exceptions.get(exception_id)
    if record is None:
        raise HTTPException(404, f"no exception with id {exception_id}; pick one from /exceptions")
    return record


def may_act(principal: Principal, record: ExceptionRecord) -> bool:
    """The owning team (or an admin) acts on an exception, assigns and tags it."""
    owners = {role.value for role in principal.roles}
    return principal.can(Permission.ACT_ON_EXCEPTIONS) and (
        Role.ADMIN in principal.roles or str(record.owner) in owners
    )


async def _change(
    request: Request,
    exception_id: int,
    action: str,
    change: Change,
    *,
    notice: str,
    owning_team: bool,
) -> RedirectResponse:
    """Make the change, audited as `exception.<action>`, and lead back to the page with
    `notice`, or with what was wrong with the input."""
    principal: Principal = request.state.principal
    record = await run_in_threadpool(_record, request, exception_id)
    allowed = (
        may_act(principal, record) if owning_team else principal.can(Permission.ACT_ON_EXCEPTIONS)
    )
    if not allowed:
        raise HTTPException(403, f"exception {exception_id} belongs to the {record.owner} team")
    try:
        await run_in_threadpool(
            change_audited,
            ExceptionPeople(request.app.state.hub.unit_of_work),
            governance_of(request),
            record,
            action,
            change,
            principal.actor,
            correlation_of(request),
        )
    except InvalidChange as error:
        return _back(exception_id, str(error))
    return _back(exception_id, notice)


def _back(exception_id: int, notice: str) -> RedirectResponse:
    query = urlencode({"notice": notice})
    return RedirectResponse(f"/exceptions/{exception_id}?{query}", status_code=303)


@router.post("/exceptions/{exception_id}/assignee")
async def assign(request: Request, exception_id: int) -> RedirectResponse:
    """`person` assigns; an empty `person` unassigns."""
    form = await read_form(request)
    check_form_token(request, form)
    person = form.get("person", "").strip() or None
    actor = request.state.principal.actor
    action = "assigned" if person else "unassigned"
    notice = f"assigned to {person}" if person else "unassigned"

    def change(people: ExceptionPeople) -> ExceptionRecord:
        return people.assign(exception_id, person, actor)

    return await _change(request, exception_id, action, change, notice=notice, owning_team=True)


@router.post("/exceptions/{exception_id}/tags")
async def tag(request: Request, exception_id: int) -> RedirectResponse:
    """Add `tag`, or remove it with `intent=remove`."""
    form = await read_form(request)
    check_form_token(request, form)
    chosen, remove = form.get("tag", ""), form.get("intent") == "remove"
    actor = request.state.principal.actor

    def change(people: ExceptionPeople) -> ExceptionRecord:
        return people.tag(exception_id, chosen, actor, remove=remove)

    action = "untagged" if remove else "tagged"
    notice = f"{action} {chosen.strip().lower()}"
    return await _change(request, exception_id, action, change, notice=notice, owning_team=True)


@router.post("/exceptions/{exception_id}/comments")
async def comment(request: Request, exception_id: int) -> RedirectResponse:
    form = await read_form(request)
    check_form_token(request, form)
    text, actor = form.get("text", ""), request.state.principal.actor

    def change(people: ExceptionPeople) -> ExceptionRecord:
        return people.comment(exception_id, text, actor)

    return await _change(
        request, exception_id, "commented", change, notice="commented", owning_team=False
    )
