"""Accounting periods: finance closes and reopens them per entity, audited. A change
dated in a closed period waits for finance's approval (`closed_period_change`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool

from accord.api.models import ChangePeriod, ClosedPeriods, PeriodState
from accord.application.periods import PeriodRefused, change_period
from accord.application.security import Permission, Principal
from accord.http.correlation import correlation_of
from accord.http.ports import periods_of
from accord.http.problems import ProblemError, problem
from accord.http.security.auth import governance_of, require

router = APIRouter(prefix="/api/v1", tags=["experience"])
Manager = Annotated[Principal, Depends(require(Permission.MANAGE_PERIODS))]
Reader = Annotated[Principal, Depends(require(Permission.READ_REPORTS))]
Entity = Annotated[str, Path(min_length=1, max_length=100)]
Month = Annotated[str, Path(min_length=7, max_length=7, description="YYYY-MM")]
Refusals: dict[int | str, dict[str, Any]] = {
    422: problem("Unknown entity or not a period"),
    503: problem("No billing state in this hub"),
}


@router.get(
    "/periods",
    operation_id="list_periods",
    summary="The closed accounting periods of each entity",
    responses=Refusals,
)
async def list_periods(request: Request, principal: Reader) -> ClosedPeriods:
    return ClosedPeriods(closed=dict(await run_in_threadpool(periods_of(request).closed)))


async def _answer(
    request: Request, principal: Principal, entity: str, period: str, close: bool, note: str
) -> PeriodState:
    try:
        done = await run_in_threadpool(
            change_period,
            periods_of(request),
            governance_of(request),
            entity,
            period,
            close,
            note,
            principal.actor,
            correlation_of(request),
        )
    except PeriodRefused as error:
        raise ProblemError(422, "invalid", "Invalid period", str(error)) from None
    return PeriodState(
        entity=done.entity, period=done.period, closed=done.closed, changed=done.changed
    )


@router.post(
    "/periods/{entity}/{period}/close",
    operation_id="close_period",
    summary="Close an entity's accounting period",
    responses=Refusals,
)
async def close_period(
    request: Request, entity: Entity, period: Month, body: ChangePeriod, principal: Manager
) -> PeriodState:
    """From now on a change to invoiced time or expenses dated in the period raises a
    `closed_period_change` exception and waits for finance's approval."""
    return await _answer(request, principal, entity, period, True, body.note)


@router.post(
    "/periods/{entity}/{period}/reopen",
    operation_id="reopen_period",
    summary="Reopen an entity's accounting period",
    responses=Refusals,
)
async def reopen_period(
    request: Request, entity: Entity, period: Month, body: ChangePeriod, principal: Manager
) -> PeriodState:
    return await _answer(request, principal, entity, period, False, body.note)
