"""System APIs: the canonical records the hub holds, and a write path for CloudEvents.

Each canonical kind gets its own collection (`/api/v1/contracts`, `/api/v1/time-entries`,
...) so clients and the OpenAPI document name resources, not a generic table.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool

from accord.api.models import IngestResult, Record
from accord.api.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from accord.application.governance import Governance
from accord.application.ingest import EventsRefused, IngestReport, IngestService
from accord.application.masking import masked_for
from accord.application.ports import BusinessObject
from accord.application.security import Permission, Principal
from accord.canonical.registry import ALL_MODELS
from accord.http.correlation import correlation_of
from accord.http.problems import ProblemError, problem
from accord.http.security.auth import governance_of, require

router = APIRouter(prefix="/api/v1", tags=["system"])
Reader = Annotated[Principal, Depends(require(Permission.READ_RECORDS))]
Writer = Annotated[Principal, Depends(require(Permission.WRITE_EVENTS))]
MAX_BATCH = 1000


def collection_name(schema_name: str) -> str:
    """`time_entry` -> `time-entries`: the collection path of a canonical kind."""
    name = schema_name.replace("_", "-")
    return name[:-1] + "ies" if name.endswith("y") else name + "s"


def _view(principal: Principal, record: BusinessObject) -> Record:
    data = json.loads(record.data)
    return Record(
        kind=record.kind,
        key=record.key,
        version=record.version,
        data=masked_for(principal, data if isinstance(data, dict) else {"value": data}),
    )


def _add_collection(kind: str) -> None:
    path = f"/{collection_name(kind)}"

    async def list_records(
        request: Request, principal: Reader, cursor: Cursor = None, limit: Limit = 50
    ) -> Page[Record]:
        after = decode_cursor(cursor)
        records = await run_in_threadpool(
            governance_of(request).records.page, kind, str(after) if after else None, limit + 1
        )
        chosen = records[:limit]
        more = len(records) > limit
        return Page[Record](
            items=[_view(principal, record) for record in chosen],
            next_cursor=encode_cursor(chosen[-1].key) if more else None,
        )

    async def get_record(
        request: Request, principal: Reader, key: Annotated[str, Path(max_length=500)]
    ) -> Record:
        record = await run_in_threadpool(governance_of(request).records.get, kind, key)
        if record is None:
            raise ProblemError(404, "not-found", "Not found", f"no {kind} with key '{key}'")
        return _view(principal, record)

    router.add_api_route(
        path,
        list_records,
        methods=["GET"],
        operation_id=f"list_{kind}",
        summary=f"List {kind.replace('_', ' ')} records",
        response_model=Page[Record],
    )
    router.add_api_route(
        # `path`: a business key may hold `/` (a milestone is `K002/FF/M1`).
        path + "/{key:path}",
        get_record,
        methods=["GET"],
        operation_id=f"get_{kind}",
        summary=f"Get one {kind.replace('_', ' ')} by business key",
        response_model=Record,
        responses={404: problem("No record with that key")},
    )


for _model in ALL_MODELS:
    _add_collection(_model.SCHEMA_NAME)


@router.post(
    "/events",
    status_code=202,
    operation_id="ingest_events",
    summary="Append CloudEvents to the inbound event log",
    responses={
        400: problem("The JSON body nests deeper than 64 levels"),
        413: problem(
            "More events than one request may carry, an event over the size limit, or a "
            "body over the request limit; nothing was stored"
        ),
        422: problem("The body is not a list of JSON objects, or an event nests too deeply"),
    },
)
async def ingest_events(
    request: Request,
    principal: Writer,
    events: Annotated[
        list[dict[str, Any]],
        Body(
            description=f"CloudEvents 1.0 in structured mode, at most {MAX_BATCH}",
            json_schema_extra={"maxItems": MAX_BATCH},
        ),
    ],
) -> IngestResult:
    """Valid events are stored pending; duplicates are acknowledged; invalid ones are
    quarantined with their reason and raise an `invalid_event` exception. A batch with
    more than 1,000 events, or with an event over the event size limit, is refused
    whole (413) and nothing of it is stored."""
    if len(events) > MAX_BATCH:
        raise ProblemError(
            413,
            "too-many-events",
            "Too many events",
            f"a request may carry at most {MAX_BATCH} events (got {len(events)}); "
            "send them in several requests",
        )
    lines = [json.dumps(event) for event in events]
    ingest: IngestService = request.app.state.hub.ingest
    _check_bounds(ingest, lines)
    report = await run_in_threadpool(
        _ingest_audited,
        ingest,
        governance_of(request),
        lines,
        principal.actor,
        correlation_of(request),
    )
    return IngestResult(
        accepted=report.accepted,
        duplicates=report.duplicates,
        quarantined=report.quarantined,
        reasons=dict(report.reasons),
    )


def _check_bounds(ingest: IngestService, lines: list[str]) -> None:
    refused = ingest.refusals(lines)
    if not refused:
        return
    detail = f"{EventsRefused(refused)}; nothing of this batch was stored"
    if any(refusal.too_large for refusal in refused):
        raise ProblemError(413, "event-too-large", "Event too large", detail)
    raise ProblemError(422, "event-too-deep", "Event nested too deeply", detail)


def _ingest_audited(
    ingest: IngestService, governance: Governance, lines: list[str], actor: str, correlation: str
) -> IngestReport:
    """Append the events and the audit row saying so in one transaction."""
    with governance.audit.transaction():
        report = ingest.ingest_batch(lines)
        governance.audit.record(
            actor,
            "events.ingested",
            "inbound_events",
            after={
                "accepted": report.accepted,
                "duplicates": report.duplicates,
                "quarantined": report.quarantined,
            },
            correlation_id=correlation,
        )
    return report
