"""Replay with edit, four eyes and re-drive of quarantined events (see
`application/corrections.py`). Every submission, approval and re-drive is audited in the
transaction that makes it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from accord.api.experience import Actor, ExceptionId, no_such_exception, owning_team_only
from accord.api.models import (
    ApproveCorrection,
    CorrectEvent,
    CorrectionPreviewView,
    CorrectionView,
    RedriveRequest,
    RedriveResult,
)
from accord.application.audited import audited
from accord.application.correction_decisions import approve_audited, submit_audited
from accord.application.corrections import (
    CORRECTABLE,
    Correction,
    CorrectionRefused,
    RedriveOutcome,
    RedriveSelection,
)
from accord.application.operations import ActionNotAvailable
from accord.application.security import Permission, Principal, Role
from accord.domain.corrections import FourEyesViolation
from accord.http.correlation import correlation_of
from accord.http.ports import corrections_of
from accord.http.problems import ProblemError, problem
from accord.http.security.auth import governance_of, require

router = APIRouter(prefix="/api/v1", tags=["experience"])
Approver = Annotated[Principal, Depends(require(Permission.APPROVE_CORRECTIONS))]
T = TypeVar("T")
Refusals: dict[int | str, dict[str, Any]] = {
    404: problem("No such exception"),
    409: problem("The exception carries no correctable payload, or is not open"),
    422: problem("The corrected payload would not apply"),
}


async def _call(exception_id: int, work: Callable[[], T]) -> T:
    try:
        return await run_in_threadpool(work)
    except KeyError:
        raise no_such_exception(exception_id) from None
    except FourEyesViolation as error:
        raise ProblemError(403, "four-eyes", "Second approver needed", str(error)) from None
    except ActionNotAvailable as error:
        raise ProblemError(
            409, "action-not-available", "Action not available", str(error)
        ) from None
    except CorrectionRefused as error:
        raise ProblemError(422, "correction-refused", "Correction refused", str(error)) from None


def _view(correction: Correction) -> CorrectionView:
    document = asdict(correction)
    document["status"] = str(correction.status)
    return CorrectionView.model_validate(document)


@router.post(
    "/exceptions/{exception_id}/corrections/preview",
    operation_id="preview_correction",
    summary="What a corrected payload would do, without writing anything",
    responses=Refusals,
)
async def preview_correction(
    request: Request, exception_id: ExceptionId, body: CorrectEvent, principal: Actor
) -> CorrectionPreviewView:
    """The worker's own decision on the corrected event against the records applied now:
    `apply`, `invalid`, `quarantine` or `stale`, and the fields it would change."""
    await owning_team_only(request, principal, exception_id)
    service = corrections_of(request)
    payload = json.dumps(body.payload)
    preview = await _call(exception_id, lambda: service.preview(exception_id, payload))
    return CorrectionPreviewView.model_validate(asdict(preview))


@router.post(
    "/exceptions/{exception_id}/corrections",
    operation_id="submit_correction",
    summary="Submit a corrected payload: applied at once, or awaiting a second approver",
    responses=Refusals,
)
async def submit_correction(
    request: Request, exception_id: ExceptionId, body: CorrectEvent, principal: Actor
) -> CorrectionView:
    """A correction of a record that becomes money (time, expenses, milestones,
    invoices, payments, postings) waits for `corrections:approve` by someone else."""
    await owning_team_only(request, principal, exception_id)
    payload = json.dumps(body.payload)
    done = await _call(
        exception_id,
        lambda: submit_audited(
            corrections_of(request),
            governance_of(request),
            exception_id,
            payload,
            body.note,
            principal.actor,
            correlation_of(request),
        ),
    )
    return _view(done)


@router.post(
    "/exceptions/{exception_id}/corrections/approval",
    operation_id="approve_correction",
    summary="Approve the correction awaiting approval (not your own) and apply it once",
    responses={**Refusals, 403: problem("The submitter cannot approve their own correction")},
)
async def approve_correction(
    request: Request, exception_id: ExceptionId, body: ApproveCorrection, principal: Approver
) -> CorrectionView:
    done = await _call(
        exception_id,
        lambda: approve_audited(
            corrections_of(request),
            governance_of(request),
            exception_id,
            body.note,
            principal.actor,
            correlation_of(request),
        ),
    )
    return _view(done)


@router.post(
    "/exceptions/redrives",
    operation_id="redrive_exceptions",
    summary="Re-drive quarantined events, one or in bulk, after a mapping or data fix",
    responses={
        403: problem("Quarantined events belong to the integration team"),
        422: problem("Only invalid_event and unknown_reference re-drive"),
    },
)
async def redrive_exceptions(
    request: Request, body: RedriveRequest, principal: Actor
) -> RedriveResult:
    """Each selected open `invalid_event` / `unknown_reference` exception is retried with
    its stored delivery: `requeued` (resolved; the worker applies the event) or `open`
    with a fresh reason. Only the integration team (owner of these kinds) re-drives."""
    if body.kind is not None and body.kind not in CORRECTABLE:
        raise ProblemError(
            422, "invalid", "Invalid request", "only invalid_event and unknown_reference re-drive"
        )
    if Role.ADMIN not in principal.roles and Role.INTEGRATION not in principal.roles:
        raise ProblemError(
            403, "forbidden", "Permission denied", "quarantined events belong to integration"
        )
    service = corrections_of(request)
    selection = RedriveSelection(body.ids, body.kind, body.source, body.since, body.until)

    def redrive() -> list[RedriveOutcome]:
        return service.redrive(selection, principal.actor)

    def outcomes_of(done: list[RedriveOutcome]) -> dict[str, Any]:
        return {"note": body.note, "outcomes": [asdict(outcome) for outcome in done]}

    outcomes = await run_in_threadpool(
        audited,
        governance_of(request),
        principal.actor,
        correlation_of(request),
        "exception.redriven",
        redrive,
        "exceptions",
        outcomes_of,
    )
    requeued = sum(1 for outcome in outcomes if outcome.status == "requeued")
    return RedriveResult.model_validate(
        {
            "requeued": requeued,
            "still_open": len(outcomes) - requeued,
            "outcomes": [asdict(outcome) for outcome in outcomes],
        }
    )
