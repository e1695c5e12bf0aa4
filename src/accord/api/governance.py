"""Governance APIs: API keys, the audit trail and its verification, legal holds, purges."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool

from accord.api.models import (
    AuditRow,
    AuditVerification,
    CreatedKey,
    CreateKey,
    Hold,
    KeyView,
    PlaceHold,
    PurgeResult,
)
from accord.api.pagination import Cursor, Limit, Page, decode_cursor, encode_cursor
from accord.application.audit import AuditRecord
from accord.application.governance import Governance
from accord.application.retention import LegalHold
from accord.application.security import ApiKeyRecord, IssuedKey, Permission, Principal
from accord.http.correlation import correlation_of
from accord.http.problems import ProblemError, problem
from accord.http.security.auth import governance_of, require

router = APIRouter(prefix="/api/v1", tags=["governance"])
KeyAdmin = Annotated[Principal, Depends(require(Permission.MANAGE_KEYS))]
Auditor = Annotated[Principal, Depends(require(Permission.READ_AUDIT))]
HoldKeeper = Annotated[Principal, Depends(require(Permission.PLACE_HOLDS))]


def _key(record: ApiKeyRecord, state: str) -> dict[str, object]:
    return {
        "key_id": record.key_id,
        "name": record.name,
        "roles": sorted(record.roles),
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "revoked_at": record.revoked_at,
        "state": state,
    }


@router.get("/keys", operation_id="list_keys", summary="API keys (never their secrets)")
async def list_keys(request: Request, principal: KeyAdmin) -> list[KeyView]:
    keys = governance_of(request).keys
    records = await run_in_threadpool(keys.list)
    return [KeyView.model_validate(_key(record, keys.state(record))) for record in records]


def _create_key(governance: Governance, body: CreateKey, actor: str, correlation: str) -> IssuedKey:
    ttl = timedelta(days=body.expires_in_days) if body.expires_in_days else None
    with governance.audit.transaction():
        issued = governance.keys.create(body.name, body.roles, ttl)
        governance.audit.record(
            actor,
            "api_key.created",
            f"api_key:{issued.record.key_id}",
            after={
                key: str(value)
                for key, value in _key(issued.record, governance.keys.state(issued.record)).items()
            },
            correlation_id=correlation,
        )
    return issued


@router.post("/keys", status_code=201, operation_id="create_key", summary="Create an API key")
async def create_key(request: Request, body: CreateKey, principal: KeyAdmin) -> CreatedKey:
    issued = await run_in_threadpool(
        _create_key, governance_of(request), body, principal.actor, correlation_of(request)
    )
    state = governance_of(request).keys.state(issued.record)
    return CreatedKey.model_validate({**_key(issued.record, state), "token": issued.token})


def _revoke_key(governance: Governance, key_id: str, actor: str, correlation: str) -> bool:
    """Revoke the key and audit it in one transaction; its dashboard sessions end too."""
    with governance.audit.transaction():
        if not governance.keys.revoke(key_id):
            return False
        governance.audit.record(
            actor,
            "api_key.revoked",
            f"api_key:{key_id}",
            before={"state": "active"},
            after={"state": "revoked"},
            correlation_id=correlation,
        )
    return True


@router.post(
    "/keys/{key_id}/revocation",
    operation_id="revoke_key",
    summary="Revoke an API key",
    responses={404: problem("No active key with that id")},
)
async def revoke_key(
    request: Request, key_id: Annotated[str, Path(max_length=32)], principal: KeyAdmin
) -> KeyView:
    governance = governance_of(request)
    revoked = await run_in_threadpool(
        _revoke_key, governance, key_id, principal.actor, correlation_of(request)
    )
    if not revoked:
        raise ProblemError(404, "not-found", "Not found", f"no active API key '{key_id}'")
    records = await run_in_threadpool(governance.keys.list)
    record = next(record for record in records if record.key_id == key_id)
    return KeyView.model_validate(_key(record, governance.keys.state(record)))


def _row(record: AuditRecord) -> AuditRow:
    return AuditRow(
        seq=record.seq,
        at=record.at,
        actor=record.actor,
        action=record.action,
        subject=record.subject,
        correlation_id=record.correlation_id,
        before=dict(record.before) if record.before is not None else None,
        after=dict(record.after) if record.after is not None else None,
        hash=record.hash,
        previous_hash=record.previous_hash,
        purged=record.purged_at is not None,
    )


@router.get("/audit", operation_id="list_audit", summary="The audit trail, oldest first")
async def list_audit(
    request: Request, principal: Auditor, cursor: Cursor = None, limit: Limit = 50
) -> Page[AuditRow]:
    after = decode_cursor(cursor)
    if after is not None and not isinstance(after, int):
        raise ProblemError(400, "invalid-cursor", "Invalid cursor", "not an audit cursor")
    records = await run_in_threadpool(governance_of(request).audit.records, after or 0, limit + 1)
    chosen = records[:limit]
    more = len(records) > limit
    return Page[AuditRow](
        items=[_row(record) for record in chosen],
        next_cursor=encode_cursor(chosen[-1].seq) if more else None,
    )


@router.get(
    "/audit/verification",
    operation_id="verify_audit",
    summary="Walk the hash chain and report the first row that does not verify",
)
async def verify_audit(request: Request, principal: Auditor) -> AuditVerification:
    result = await run_in_threadpool(governance_of(request).audit.verify)
    return AuditVerification(
        ok=result.ok,
        checked=result.checked,
        broken_at=result.broken_at,
        reason=result.reason,
        anchored_through=result.anchored_through,
        unanchored=result.unanchored,
    )


def _hold(hold: LegalHold) -> Hold:
    return Hold(
        id=hold.id,
        scope=hold.scope,
        reason=hold.reason,
        placed_by=hold.placed_by,
        placed_at=hold.placed_at,
        released_at=hold.released_at,
        released_by=hold.released_by,
    )


@router.get("/legal-holds", operation_id="list_legal_holds", summary="Active legal holds")
async def list_legal_holds(request: Request, principal: HoldKeeper) -> list[Hold]:
    holds = await run_in_threadpool(governance_of(request).retention.holds)
    return [_hold(hold) for hold in holds]


@router.post(
    "/legal-holds",
    status_code=201,
    operation_id="place_legal_hold",
    summary="Place a legal hold: nothing in its scope is purged until it is released",
)
async def place_legal_hold(request: Request, body: PlaceHold, principal: HoldKeeper) -> Hold:
    hold = await run_in_threadpool(
        governance_of(request).retention.place_hold,
        body.scope,
        body.reason,
        principal.actor,
        correlation_of(request),
    )
    return _hold(hold)


@router.post(
    "/legal-holds/{hold_id}/release",
    operation_id="release_legal_hold",
    summary="Release a legal hold",
    responses={404: problem("No active hold with that id")},
)
async def release_legal_hold(
    request: Request, hold_id: Annotated[int, Path(ge=1, le=2**62)], principal: HoldKeeper
) -> Hold:
    hold = await run_in_threadpool(
        governance_of(request).retention.release_hold,
        hold_id,
        principal.actor,
        correlation_of(request),
    )
    if hold is None:
        raise ProblemError(404, "not-found", "Not found", f"no active legal hold {hold_id}")
    return _hold(hold)


@router.post("/retention/purges", operation_id="purge", summary="Run the retention purge now")
async def purge(
    request: Request,
    principal: Annotated[Principal, Depends(require(Permission.RUN_PURGE))],
) -> PurgeResult:
    report = await run_in_threadpool(
        governance_of(request).retention.purge, principal.actor, correlation_of(request)
    )
    return PurgeResult(
        payloads_purged=report.payloads_purged,
        audit_rows_purged=report.audit_rows_purged,
        held_scopes=list(report.held_scopes),
        raw_payload_cutoff=report.raw_payload_cutoff,
        personal_data_cutoff=report.personal_data_cutoff,
    )
