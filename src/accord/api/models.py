"""Response and request bodies of API v1 (their JSON Schemas form the OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from accord.application.security import Role
from accord.domain.exceptions import ExceptionAction


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Record(BaseModel):
    """An applied canonical record; sensitive fields read `***` without `sensitive`."""

    kind: str
    key: str
    version: str
    data: dict[str, Any]


class IngestResult(BaseModel):
    accepted: int
    duplicates: int
    quarantined: int
    reasons: dict[str, int]


class StartInvoiceRun(Body):
    through: date = Field(description="bill everything up to and including this date")
    contract: str | None = Field(
        default=None, max_length=200, description="one contract, or all when omitted"
    )


class StartFlow(Body):
    parameters: dict[str, Any] = Field(default_factory=dict)


class RunStarted(BaseModel):
    id: str
    href: str


class Run(BaseModel):
    id: str
    kind: str
    status: str
    started_at: datetime
    requested_by: str
    parameters: dict[str, Any]
    result: dict[str, Any] | None


class BusinessExceptionView(BaseModel):
    id: int
    kind: str
    owner: str
    severity: str
    subject: str
    status: str
    message: str
    details: dict[str, Any]
    sla_due: datetime
    created_at: datetime
    resolved_at: datetime | None
    blocks: list[str]
    actions: list[str]
    history: list[dict[str, Any]]


class TakeAction(Body):
    action: ExceptionAction
    note: str = Field(min_length=1, max_length=2000, description="why; kept in the audit trail")


class CreateKey(Body):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[\w.@-]+$")
    roles: list[Role] = Field(min_length=1)
    expires_in_days: int | None = Field(default=90, ge=1, le=3650)


class KeyView(BaseModel):
    key_id: str
    name: str
    roles: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str


class CreatedKey(KeyView):
    token: str = Field(description="shown once; only its hash is stored")


class AuditRow(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    correlation_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str
    previous_hash: str
    purged: bool


class AuditVerification(BaseModel):
    ok: bool
    checked: int
    broken_at: int | None
    reason: str | None
    anchored_through: int | None = Field(
        None, description="the newest row a signed anchor outside the database vouches for"
    )
    unanchored: str | None = Field(
        None, description="why the chain head is not anchored, and how to anchor it"
    )


class PlaceHold(Body):
    scope: str = Field(min_length=1, max_length=500)
    reason: str = Field(min_length=1, max_length=2000)


class Hold(BaseModel):
    id: int
    scope: str
    reason: str
    placed_by: str
    placed_at: datetime
    released_at: datetime | None
    released_by: str | None


class PurgeResult(BaseModel):
    payloads_purged: int
    audit_rows_purged: int
    held_scopes: list[str]
    raw_payload_cutoff: datetime
    personal_data_cutoff: datetime


class WebhookAccepted(BaseModel):
    status: str = Field(description="`logged`, or `duplicate` when already logged")
    source: str
    event_id: str
