"""Assign, tag and comment on exceptions. The owning team (or an admin) assigns and
tags; anyone who may act on exceptions comments, so another team can add what it knows.
Every change is in the exception's history and the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from accord.api.experience import (
    Actor,
    ExceptionId,
    _one,
    _view,
    no_such_exception,
    owning_team_only,
)
from accord.api.models import (
    AssignException,
    BusinessExceptionView,
    CommentOnException,
    TagException,
)
from accord.application.exception_people import ExceptionPeople, InvalidChange, change_audited
from accord.application.ports import ExceptionRecord
from accord.application.security import Principal
from accord.http.correlation import correlation_of
from accord.http.problems import ProblemError, problem
from accord.http.security.auth import governance_of

router = APIRouter(prefix="/api/v1", tags=["experience"])
_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: problem("Not the owning team"),
    404: problem("No such exception"),
    422: problem("Invalid input"),
}


async def _apply(
    request: Request,
    principal: Principal,
    exception_id: int,
    action: str,
    change: Callable[[ExceptionPeople], ExceptionRecord],
    owning_team: bool = True,
) -> BusinessExceptionView:
    """Make `change` to the exception and audit it as `exception.<action>` in one
    transaction; with `owning_team`, only its owning team (or an admin) may."""
    if owning_team:
        before = await owning_team_only(request, principal, exception_id)
    else:
        before = await run_in_threadpool(_one, request, exception_id)
    try:
        after = await run_in_threadpool(
            change_audited,
            ExceptionPeople(request.app.state.hub.unit_of_work),
            governance_of(request),
            before,
            action,
            change,
            principal.actor,
            correlation_of(request),
        )
    except InvalidChange as error:
        raise ProblemError(422, "invalid-change", "Invalid input", str(error)) from None
    except KeyError:
        raise no_such_exception(before.id) from None
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
    return await _apply(
        request,
        principal,
        exception_id,
        "assigned",
        lambda people: people.assign(exception_id, body.person, principal.actor),
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
    return await _apply(
        request,
        principal,
        exception_id,
        "tagged",
        lambda people: people.tag(exception_id, body.tag, principal.actor),
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
    return await _apply(
        request,
        principal,
        exception_id,
        "untagged",
        lambda people: people.tag(exception_id, tag, principal.actor, remove=True),
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
    return await _apply(
        request,
        principal,
        exception_id,
        "commented",
        lambda people: people.comment(exception_id, body.text, principal.actor),
        owning_team=False,
    )
