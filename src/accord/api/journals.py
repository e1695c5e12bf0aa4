"""Ledger journals: the balanced entries revenue recognition and intercompany charges
book in each entity, as the canonical `LedgerPosting` v1 finance receives."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from accord.api import ports
from accord.api.experience import Unavailable
from accord.api.pagination import Cursor, Limit, Page, page_of
from accord.api.security.auth import require
from accord.application.journals import LedgerJournals
from accord.application.security import Permission, Principal
from accord.canonical.v1.finance import LedgerPosting
from accord.domain.calendar import Period

router = APIRouter(prefix="/api/v1", tags=["experience"])
ReportReader = Annotated[Principal, Depends(require(Permission.READ_REPORTS))]
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
