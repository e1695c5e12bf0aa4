"""Ledger journals: the balanced entries revenue recognition and intercompany charges
book in each entity, as the canonical `LedgerPosting` v1 finance receives; posting a
month's entries to the ERP and each entry's posting state."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from accord.api.experience import Unavailable
from accord.api.pagination import Cursor, Limit, Page, page_of
from accord.application.gateways import is_gateway_failure
from accord.application.journal_posting import (
    JournalPostingUnsupported,
    JournalStatus,
    PostingState,
    count_by_state,
    post_audited,
)
from accord.application.journals import LedgerJournals
from accord.application.security import Permission, Principal
from accord.canonical.v1.finance import LedgerPosting
from accord.domain.calendar import Period
from accord.http import ports
from accord.http.correlation import correlation_of
from accord.http.problems import ProblemError, problem
from accord.http.security.auth import governance_of, require

router = APIRouter(prefix="/api/v1", tags=["experience"])
ReportReader = Annotated[Principal, Depends(require(Permission.READ_REPORTS))]
Poster = Annotated[Principal, Depends(require(Permission.START_RUNS))]
PostMonth = Annotated[
    str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="the month to post, YYYY-MM")
]
Month = Annotated[
    str | None,
    Query(
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="the month the entries belong to, YYYY-MM (every month when omitted)",
    ),
]
EntityId = Annotated[str | None, Query(max_length=200, description="one legal entity")]


@router.get(
    "/journals",
    operation_id="list_journals",
    responses=Unavailable,
    summary="Balanced ledger journal entries: revenue, contract position, intercompany",
)
async def list_journals(
    request: Request,
    principal: ReportReader,
    period: Month = None,
    entity: EntityId = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[LedgerPosting]:
    """Each entry as a `LedgerPosting`, balanced in its entity and currency: `revenue`
    per contract and month (revenue against billings and the contract asset, unbilled
    receivable or deferred revenue), `intercompany_revenue` in the entity that employs
    the resource and `intercompany_cost` in the contracting one. `document_number` is
    the entry's stable id (`entity/month/kind/contract/currency`); `posting_date` is in
    an open month; `dimensions.period` is the month the entry belongs to."""
    journals: LedgerJournals = ports.journals(request)
    month = Period.parse(period) if period else None
    postings = await run_in_threadpool(journals.postings, month, entity)
    items, after = page_of(postings, lambda posting: posting.document_number, cursor, limit)
    return Page[LedgerPosting](items=items, next_cursor=after)


class JournalState(BaseModel):
    """One entry's posting state: `posted` with the ERP's move number, `refused` with
    the reason (a `posting_rejected` exception for finance is open), or `pending`."""

    document_number: str
    entity: str
    period: str
    kind: str
    state: PostingState
    erp_number: str | None = None
    reason: str | None = None


class JournalStates(BaseModel):
    """The entries of a month with their posting state, and how many are in each."""

    period: str
    supported: bool
    """False when the ERP connector takes no journal entries (nothing can be posted)."""
    counts: dict[str, int]
    items: list[JournalState]


Refusals: dict[int | str, dict[str, Any]] = {
    409: problem("The ERP connector takes no journal entries"),
    503: problem("The ERP did not answer; post the month again later"),
}


def _states(period: str, supported: bool, statuses: list[JournalStatus]) -> JournalStates:
    return JournalStates(
        period=period,
        supported=supported,
        counts=count_by_state(statuses),
        items=[JournalState.model_validate(s, from_attributes=True) for s in statuses],
    )


@router.get(
    "/journals/{period}/postings",
    operation_id="list_journal_postings",
    responses=Unavailable,
    summary="Each journal entry of a month with its posting state in the ERP",
)
async def list_journal_postings(
    request: Request, principal: ReportReader, period: PostMonth, entity: EntityId = None
) -> JournalStates:
    """Read back from the ERP (posted, with its move number) and the exception queue
    (refused, with the reason); anything else is pending."""
    poster = ports.journal_posting(request)
    statuses = await run_in_threadpool(poster.statuses, Period.parse(period), entity)
    return _states(period, poster.supported, statuses)


@router.post(
    "/journals/{period}/post",
    operation_id="post_journals",
    responses=Refusals,
    summary="Post a month's journal entries to the ERP, each once",
)
async def post_journals(
    request: Request, principal: Poster, period: PostMonth, entity: EntityId = None
) -> JournalStates:
    """Book every entry of the month (of one entity, or all) that the ERP does not hold
    yet; posting again books nothing twice. An entry of a month closed in Accord, or one
    the ERP refuses (e.g. its period is closed there), is not posted: it opens a
    `posting_rejected` exception for finance with the entry, and reads `refused`."""
    try:
        statuses = await run_in_threadpool(
            post_audited,
            ports.journal_posting(request),
            governance_of(request),
            period,
            entity,
            principal.actor,
            correlation_of(request),
        )
    except JournalPostingUnsupported as error:
        raise ProblemError(409, "not-supported", "Not supported", str(error)) from None
    except Exception as error:
        if not is_gateway_failure(error):
            raise
        detail = f"the ERP did not answer ({error.reason}); post the month again later"
        raise ProblemError(503, "erp-unavailable", "ERP unavailable", detail) from None
    return _states(period, True, statuses)
