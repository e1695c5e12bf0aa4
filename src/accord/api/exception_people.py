"""Assign, tag and comment on exceptions. The owning team (or an admin) assigns and
tags; anyone who may act on exceptions comments, so another team can add what it knows.
Every change is in the exception's history and the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from accord.api.correlation import correlation_of
from accord.api.experience import ExceptionId, _one, _view, owning_team_only
from accord.api.models import (
    AssignException,
    BusinessExceptionView,
    CommentOnException,
    TagException,
)
from accord.api.problems import ProblemError, problem
from accord.api.security.auth import governance_of, require
from accord.application.exception_people import ExceptionPeople, InvalidChange
from accord.application.governance import Governance
from accord.application.ports import ExceptionRecord
from accord.application.security import Permission, Principal

router = APIRouter(prefix="/api/v1", tags=["experience"])
Actor = Annotated[Principal, Depends(require(Permission.ACT_ON_EXCEPTIONS))]
_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: problem("Not the owning team"),
    404: problem("No such exception"),
    422: problem("Invalid input"),
}


def _people(request: Request) -> ExceptionPeople:
    return ExceptionPeople(request.app.state.hub.unit_of_work)


def _change(
    governance: Governance,
    action: str,
    before: ExceptionRecord,
    change: Callable[[], ExceptionRecord],
    actor: str,
    correlation: str,
) -> ExceptionRecord:
    """Make the change and audit it in one transaction: both are kept, or neither."""
    with governance.audit.transaction():
        after = change()
        governance.audit.record(
            actor,
            f"exception.{action}",
            f"exception:{before.id}",
            before={"assignee": before.assignee, "tags": list(before.tags)},
            after={
                "assignee": after.assignee,
                "tags": list(after.tags),
                "entry": dict(after.history[-1]),
            },
            correlation_id=correlation,
        )
    return after


async def _apply(
    request: Request,
    principal: Principal,
    before: ExceptionRecord,
    action: str,
    change: Callable[[], ExceptionRecord],
) -> BusinessExceptionView:
    governance = governance_of(request)
    correlation = correlation_of(request)
    try:
        after = await run_in_threadpool(
            _change, governance, action, before, change, principal.actor, correlation
        )
    except InvalidChange as error:
        raise ProblemError(422, "invalid-change", "Invalid input", str(error)) from None
    except KeyError:
        raise ProblemError(
            404, "not-found", "Not found", f"no exception with id {before.id}"
        ) from None
    return _view(request, principal, after)


@router.post(
    "/exceptions/{exception_id}/assignee",
    operation_id="assign_exception",
    summary="Assign an exception to a person (null unassigns)",
    responses=_RESPONSES,
)
async def assign_exception(
    request: Request, exception_id: ExceptionId, body: AssignException, principal: Actor
) -> BusinessExceptionView:
    before = await owning_team_only(request, principal, exception_id)
    people = _people(request)
    return await _apply(
        request,
        principal,
        before,
        "assigned",
        lambda: people.assign(exception_id, body.person, principal.actor),
    )


@router.post(
    "/exceptions/{exception_id}/tags",
    operation_id="tag_exception",
    summary="Add a tag to an exception",
    responses=_RESPONSES,
)
async def tag_exception(
    request: Request, exception_id: ExceptionId, body: TagException, principal: Actor
) -> BusinessExceptionView:
    before = await owning_team_only(request, principal, exception_id)
    people = _people(request)
    return await _apply(
        request,
        principal,
        before,
        "tagged",
        lambda: people.tag(exception_id, body.tag, principal.actor),
    )


@router.delete(
    "/exceptions/{exception_id}/tags/{tag}",
    operation_id="untag_exception",
    summary="Remove a tag from an exception",
    responses=_RESPONSES,
)
async def untag_exception(
    request: Request, exception_id: ExceptionId, tag: str, principal: Actor
) -> BusinessExceptionView:
    before = await owning_team_only(request, principal, exception_id)
    people = _people(request)
    return await _apply(
        request,
        principal,
        before,
        "untagged",
        lambda: people.tag(exception_id, tag, principal.actor, remove=True),
    )


@router.post(
    "/exceptions/{exception_id}/comments",
    operation_id="comment_on_exception",
    summary="Comment on an exception",
    responses={404: problem("No such exception"), 422: problem("Invalid input")},
)
async def comment_on_exception(
    request: Request, exception_id: ExceptionId, body: CommentOnException, principal: Actor
) -> BusinessExceptionView:
    before = await run_in_threadpool(_one, request, exception_id)
    people = _people(request)
    return await _apply(
        request,
        principal,
        before,
        "commented",
        lambda: people.comment(exception_id, body.text, principal.actor),
    )
