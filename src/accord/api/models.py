"""Response and request bodies of API v1 (their JSON Schemas form the OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from accord.application.security import Role
from accord.domain.exceptions import ExceptionAction, ExceptionKind


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
    assignee: str | None = Field(default=None, description="the person working it, if any")
    tags: list[str] = Field(default_factory=list)
    comments: list[ExceptionComment] = Field(default_factory=list)
    criticality: str = Field(
        default="standard",
        description="the criticality class of the flow it stops: critical, standard or low",
    )


class ExceptionComment(BaseModel):
    author: str
    at: datetime
    text: str


class AssignException(Body):
    person: str | None = Field(
        min_length=1,
        max_length=200,
        description="a principal or API key name; null unassigns",
    )


class TagException(Body):
    tag: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_.:-]{0,49}$",
        description="lowercase letters, digits and _ . : - (up to 50)",
    )


class CommentOnException(Body):
    text: str = Field(min_length=1, max_length=4000)


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


class CorrectEvent(Body):
    payload: dict[str, Any] = Field(
        description="the corrected CloudEvent, with the quarantined delivery's source and "
        "id; for a posting the ERP refused, the corrected canonical invoice"
    )
    note: str = Field(min_length=1, max_length=2000, description="why; kept in the audit trail")


class ApproveCorrection(Body):
    note: str = Field(min_length=1, max_length=2000, description="why; kept in the audit trail")


class FieldChangeView(BaseModel):
    field: str
    before: Any
    after: Any


class BillingImpactView(BaseModel):
    """What the next invoice run for the record's contract would bill differently."""

    through: date | None
    contract: str | None
    added: list[dict[str, Any]] = Field(description="document lines only the correction bills")
    removed: list[dict[str, Any]] = Field(description="lines it would no longer bill")
    exceptions: list[str] = Field(description="exceptions the run would raise with it")
    note: str | None = Field(description="why nothing was valued, if so")


class PostingImpactView(BaseModel):
    """What a corrected ERP posting would post: lines, amounts and the posting itself."""

    document: str
    kind: str
    contract: str
    currency: str
    lines: list[dict[str, Any]] = Field(description="each line as issued and as corrected")
    amounts: list[dict[str, Any]] = Field(description="net, tax and gross: issued and posted")
    posting: dict[str, Any] = Field(description="the ERP document it would post, once")


class CorrectionPreviewView(BaseModel):
    """What a correction would do, computed without writing anything."""

    exception_id: int
    outcome: str = Field(description="apply, invalid, quarantine or stale")
    reason: str | None
    business_kind: str | None
    business_key: str | None
    version: str | None
    current_version: str | None = Field(description="the version applied now, if any")
    changes: list[FieldChangeView]
    needs_approval: bool = Field(description="it changes money: a second person approves it")
    billing: BillingImpactView | None = Field(
        None, description="the billing dry run (preview only, for records that are billed)"
    )
    posting: PostingImpactView | None = Field(
        None, description="the posting dry run (a posting the ERP refused)"
    )


class CorrectionView(BaseModel):
    exception_id: int
    status: str = Field(
        description="awaiting_approval, applied, or approved (handed to the posting flow)"
    )
    submitted_by: str
    approved_by: str | None
    preview: CorrectionPreviewView


class RedriveRequest(Body):
    ids: list[int] = Field(default_factory=list, max_length=1000)
    kind: ExceptionKind | None = Field(None, description="invalid_event or unknown_reference")
    source: str | None = Field(None, max_length=500)
    since: AwareDatetime | None = Field(None, description="raised at or after (with offset)")
    until: AwareDatetime | None = Field(None, description="raised before (with offset)")
    note: str = Field(min_length=1, max_length=2000, description="why; kept in the audit trail")


class RedriveOutcomeView(BaseModel):
    exception_id: int
    status: str = Field(description="requeued (resolved, the event is pending again) or open")
    reason: str | None


class RedriveResult(BaseModel):
    requeued: int
    still_open: int
    outcomes: list[RedriveOutcomeView]


class ChangePeriod(Body):
    note: str = Field(min_length=1, max_length=2000, description="why; kept in the audit trail")


class PeriodState(BaseModel):
    entity: str
    period: str = Field(description="YYYY-MM")
    closed: bool = Field(description="whether the period is closed now")
    changed: bool = Field(description="false when it already was")


class ClosedPeriods(BaseModel):
    closed: dict[str, list[str]] = Field(description="per entity, its closed periods")
