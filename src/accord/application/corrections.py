"""Replay with edit and re-drive: quarantined events put right through the normal path.

An `invalid_event` or `unknown_reference` exception stands for a delivery in the event
log that Accord could not apply. Its owner may submit a corrected payload (same source
and id). `preview` says what the correction would do without writing anything: it runs
the worker's own decision (`plan_batch`) on the corrected event against the records
applied now, lists the fields it changes and, for a record that is billed, what the
next invoice run would bill differently (`correction_impact`). `submit` applies a
correction at once, unless it changes money: then it waits for a second person's
`approve` (four eyes).

Applying means what a corrected redelivery does at ingest: the quarantined delivery is
kept as superseded, the corrected event appended pending, the exception resolved, all
in one transaction; the worker then applies the event as any other. A second approval
(or a retry after a crash) finds the exception resolved and the delivery superseded,
so a correction is applied once.

`redrive` retries the stored payload itself, after a mapping or master-data fix: each
exception either goes through the same path or stays open with a fresh reason.

A `posting_rejected` exception (the ERP refused an issued document) is corrected the
same way, through `postings` (`posting_corrections.py`): always with a second person's
approval, which wakes the waiting posting flow.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from accord.application.applying import plan_batch
from accord.application.clock import Clock
from accord.application.correction_impact import BillingImpact, StateOf, billing_impact
from accord.application.exception_service import BatchExceptions, QueuedOnly
from accord.application.operations import ActionNotAvailable
from accord.application.ports import EventStatus, ExceptionRecord, InboundEvent, PendingEvent
from accord.application.posting_corrections import (
    PostingCorrections,
    PostingDryRun,
    PostingImpact,
    is_posting_correctable,
)
from accord.application.unit_of_work import UnitOfWork, UnitOfWorkFactory
from accord.canonical.registry import model_for
from accord.domain.corrections import (
    APPROVED,
    SUBMITTED,
    CorrectionStatus,
    FieldChange,
    check_approver,
    field_changes,
    needs_second_approval,
)
from accord.domain.exceptions import ExceptionKind, ExceptionStatus
from accord.domain.posting_corrections import PostingCorrectionRefused

CORRECTABLE = (ExceptionKind.INVALID_EVENT, ExceptionKind.UNKNOWN_REFERENCE)

Parse = Callable[[str], InboundEvent]
"""Turns a raw CloudEvent into a log entry, pending when valid (`IngestService.parse`)."""


class CorrectionRefused(ValueError):
    """The corrected payload cannot be applied; the message says why and what to fix."""


@dataclass(frozen=True, slots=True)
class CorrectionPreview:
    """What a corrected payload would do: `outcome` is `apply`, `invalid` (it does not
    parse), `quarantine` (it names records not applied) or `stale` (an older version
    than the one applied); `changes` compares it with the record applied now."""

    exception_id: int
    outcome: str
    reason: str | None
    business_kind: str | None
    business_key: str | None
    version: str | None
    current_version: str | None
    changes: list[FieldChange]
    needs_approval: bool
    billing: BillingImpact | None = None
    """What the next invoice run would bill differently (`preview` only)."""
    posting: PostingImpact | None = None
    """What a corrected ERP posting would post (a `posting_rejected` exception)."""


@dataclass(frozen=True, slots=True)
class Correction:
    exception_id: int
    status: CorrectionStatus
    submitted_by: str
    preview: CorrectionPreview
    approved_by: str | None = None


@dataclass(frozen=True, slots=True)
class RedriveSelection:
    """Which open quarantine exceptions to re-drive; None matches everything."""

    ids: Sequence[int] = ()
    kind: ExceptionKind | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, record: ExceptionRecord) -> bool:
        return (
            (not self.ids or record.id in self.ids)
            and (self.kind is None or record.kind is self.kind)
            and (self.source is None or record.details.get("source") == self.source)
            and (self.since is None or record.created_at >= self.since)
            and (self.until is None or record.created_at < self.until)
        )


@dataclass(frozen=True, slots=True)
class RedriveOutcome:
    exception_id: int
    status: str
    """`requeued` (the event is pending again, its exception resolved) or `open`."""
    reason: str | None = None


@dataclass
class CorrectionService:
    unit_of_work: UnitOfWorkFactory
    parse: Parse
    clock: Clock
    exceptions: BatchExceptions = field(default_factory=QueuedOnly)
    billing_state: StateOf | None = None
    """The billing state the dry run values a correction against, by contract and record
    (none: not valued)."""
    postings: PostingCorrections | None = None
    """Corrections of ERP postings; only a running hub, whose posting flows they wake,
    has them."""

    def preview(self, exception_id: int, payload: str) -> CorrectionPreview:
        """What `payload` would do in place of the quarantined delivery; writes nothing."""
        if posting := self._posting(exception_id):
            checked = _checked(lambda: posting[0].dry_run(posting[1], _document(payload)))
            return _posting_preview(exception_id, checked)
        with self.unit_of_work() as uow:
            record = _correctable(uow, exception_id)
            event = self._event(record, payload)
            preview = self._preview(uow, record, event)[0]
        if preview.outcome != "apply" or self.billing_state is None:
            return preview
        impact = billing_impact(
            self.billing_state, str(event.business_kind), event.payload, self.clock().date()
        )
        return replace(preview, billing=impact)

    def stored_payload(self, exception_id: int) -> str | None:
        """The raw payload of the quarantined delivery an open exception stands for (of a
        refused posting: the invoice the ERP was last sent)."""
        if posting := self._posting(exception_id):
            return json.dumps(posting[0].stored_payload(posting[1]), indent=2)
        with self.unit_of_work() as uow:
            record = _correctable(uow, exception_id)
            delivery = uow.events.quarantined(_source(record), record.subject)
            return delivery.payload if delivery is not None else None

    def submit(self, exception_id: int, payload: str, actor: str, note: str) -> Correction:
        """Apply a correction, or keep it awaiting a second person when it changes money."""
        if posting := self._posting(exception_id):
            service, record = posting
            checked = _checked(lambda: service.submit(record, _document(payload), actor, note))
            preview = _posting_preview(exception_id, checked)
            return Correction(exception_id, CorrectionStatus.AWAITING_APPROVAL, actor, preview)
        with self.exceptions.transaction(), self.unit_of_work() as uow:
            record = _correctable(uow, exception_id)
            event = self._event(record, payload)
            preview = _applicable(self._preview(uow, record, event)[0])
            entry = {"action": SUBMITTED, "by": actor, "note": note, "payload": event.payload}
            uow.exceptions.note(exception_id, entry, self.clock())
            status = CorrectionStatus.AWAITING_APPROVAL
            if not preview.needs_approval:
                self._apply(uow, record, event, f"corrected by {actor}: {note}")
                status = CorrectionStatus.APPLIED
            uow.commit()
        return Correction(exception_id, status, actor, preview)

    def approve(self, exception_id: int, approver: str, note: str) -> Correction:
        """Apply the correction awaiting approval; refused to the person who submitted it.
        A corrected posting is handed to its posting flow (`approved`), which posts it."""
        if posting := self._posting(exception_id):
            return self._approve_posting(*posting, approver, note)
        with self.exceptions.transaction(), self.unit_of_work() as uow:
            record = _correctable(uow, exception_id)
            submitted = pending_correction(record)
            if submitted is None:
                raise ActionNotAvailable(
                    f"no correction of exception {exception_id} awaits approval"
                )
            check_approver(str(submitted["by"]), approver)
            event = self._event(record, str(submitted["payload"]))
            preview = _applicable(self._preview(uow, record, event)[0])
            entry = {"action": APPROVED, "by": approver, "note": note}
            uow.exceptions.note(exception_id, entry, self.clock())
            by = f"corrected by {submitted['by']}, approved by {approver}: {note}"
            self._apply(uow, record, event, by)
            uow.commit()
        return Correction(
            exception_id, CorrectionStatus.APPLIED, str(submitted["by"]), preview, approver
        )

    def _posting(self, exception_id: int) -> tuple[PostingCorrections, ExceptionRecord] | None:
        """The posting corrections and the record, when the exception is a refused
        posting (None for every other kind)."""
        with self.unit_of_work() as uow:
            record = uow.exceptions.get(exception_id)
        if record is None or record.kind is not ExceptionKind.POSTING_REJECTED:
            return None
        if record.status is not ExceptionStatus.OPEN:
            raise ActionNotAvailable(f"exception {exception_id} is {record.status}, not open")
        if not is_posting_correctable(record):
            raise ActionNotAvailable(
                "only a document the ERP refused, whose posting flow waits on the exception, "
                "can have its posting corrected"
            )
        if self.postings is None:
            raise ActionNotAvailable(
                "a corrected posting wakes the document's posting flow, which runs inside "
                "the hub: correct it from the running hub (`accord up`, its API or dashboard)"
            )
        return self.postings, record

    def _approve_posting(
        self, service: PostingCorrections, record: ExceptionRecord, approver: str, note: str
    ) -> Correction:
        submitted = pending_correction(record)
        if submitted is None:
            raise ActionNotAvailable(f"no correction of exception {record.id} awaits approval")
        checked = _checked(lambda: service.approve(record, submitted, approver, note))
        preview = _posting_preview(record.id, checked)
        by = str(submitted["by"])
        return Correction(record.id, CorrectionStatus.APPROVED, by, preview, approver)

    def redrive(self, selection: RedriveSelection, actor: str) -> list[RedriveOutcome]:
        """Retry each selected open quarantine exception's stored delivery as it is."""
        with self.unit_of_work() as uow:
            chosen = [
                record
                for kind in CORRECTABLE
                if selection.kind in (None, kind)
                for record in uow.exceptions.list(kind=kind, status=ExceptionStatus.OPEN)
                if selection.matches(record)
            ]
        return [self._redrive_one(record, actor) for record in sorted(chosen, key=_id)]

    def _redrive_one(self, record: ExceptionRecord, actor: str) -> RedriveOutcome:
        with self.exceptions.transaction(), self.unit_of_work() as uow:
            delivery = uow.events.quarantined(_source(record), record.subject)
            reason: str | None
            if delivery is None:
                reason = "no quarantined delivery is left in the log for this exception"
            else:
                event = self.parse(delivery.payload)
                preview, reason = self._preview(uow, record, event)
                if preview.outcome == "apply":
                    self._apply(uow, record, event, f"re-driven by {actor}")
                    uow.commit()
                    return RedriveOutcome(record.id, "requeued")
            fresh = reason or "still not applicable"
            entry = {"action": "redriven", "by": actor, "note": fresh}
            uow.exceptions.note(record.id, entry, self.clock(), message=fresh)
            uow.commit()
            return RedriveOutcome(record.id, "open", fresh)

    def _event(self, record: ExceptionRecord, payload: str) -> InboundEvent:
        event = self.parse(payload)
        if event.status is EventStatus.PENDING and (event.source, event.event_id) != (
            _source(record),
            record.subject,
        ):
            raise CorrectionRefused(
                f"the corrected event must keep source {_source(record)!r} and id "
                f"{record.subject!r} (it has {event.source!r} and {event.event_id!r}), "
                "so that it replaces the quarantined delivery"
            )
        return event

    def _preview(
        self, uow: UnitOfWork, record: ExceptionRecord, event: InboundEvent
    ) -> tuple[CorrectionPreview, str | None]:
        if event.status is not EventStatus.PENDING:
            invalid = CorrectionPreview(
                record.id, "invalid", event.reason, None, None, None, None, [], False
            )
            return invalid, event.reason
        kind, key = str(event.business_kind), str(event.business_key)
        pending = PendingEvent(
            0, event.source, event.event_id, event.type, event.subject,
            kind, key, str(event.business_version), str(event.data), event.references,
        )  # fmt: skip
        plan = plan_batch(
            [pending], lambda refs: uow.objects.versions({(kind, key)} | refs), self.clock()
        )
        outcome, reason = "apply", None
        if plan.outcomes:
            outcome = str(plan.outcomes[0].status).replace("quarantined", "quarantine")
            reason = plan.outcomes[0].reason
        current = uow.objects.get(kind, key)
        before = _canonical(kind, current.data) if current is not None else None
        after: Mapping[str, Any] = json.loads(str(event.data))
        preview = CorrectionPreview(
            record.id, outcome, reason, kind, key, event.business_version,
            current.version if current is not None else None,
            field_changes(before, after), needs_second_approval(kind),
        )  # fmt: skip
        return preview, reason

    def _apply(
        self, uow: UnitOfWork, record: ExceptionRecord, event: InboundEvent, note: str
    ) -> None:
        now = self.clock()
        if not uow.events.supersede_quarantined([event], now):
            raise ActionNotAvailable(
                f"the quarantined delivery of exception {record.id} was already replaced"
            )
        uow.events.append([event])
        self.exceptions.resolve_in(uow, record, note, now)


def pending_correction(record: ExceptionRecord) -> Mapping[str, Any] | None:
    """The correction submitted last and awaiting approval, if the exception is open
    (one approved since, e.g. a posting its flow is posting, awaits nothing)."""
    if record.status is not ExceptionStatus.OPEN:
        return None
    for entry in reversed(record.history):
        if entry.get("action") == APPROVED:
            return None
        if entry.get("action") == SUBMITTED:
            return dict(entry)
    return None


def _canonical(kind: str, data: str) -> Mapping[str, Any]:
    """An applied record's data in the canonical form a corrected event's data has
    (every field, defaults included), so that only what the correction changes differs,
    also for a record applied before data was stored in that form (migration 0012)."""
    return model_for(kind, 1).model_validate_json(data).model_dump(mode="json")


def _document(payload: str) -> dict[str, Any]:
    try:
        document = json.loads(payload)
    except ValueError as error:
        raise CorrectionRefused(f"the corrected posting is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise CorrectionRefused("the corrected posting must be a JSON object (an invoice)")
    return document


def _checked(work: Callable[[], PostingDryRun]) -> PostingDryRun:
    try:
        return work()
    except PostingCorrectionRefused as error:
        raise CorrectionRefused(str(error)) from None


def _posting_preview(exception_id: int, checked: PostingDryRun) -> CorrectionPreview:
    number = str(checked.payload["number"])
    return CorrectionPreview(
        exception_id, "apply", None, "invoice", number, None, None, checked.changes,
        needs_second_approval("invoice"), posting=checked.impact,
    )  # fmt: skip


def _correctable(uow: UnitOfWork, exception_id: int) -> ExceptionRecord:
    record = uow.exceptions.get(exception_id)
    if record is None:
        raise KeyError(exception_id)
    if record.kind not in CORRECTABLE:
        raise ActionNotAvailable(
            f"a {record.kind} exception carries no event payload to correct; "
            "only invalid_event and unknown_reference exceptions do"
        )
    if record.status is not ExceptionStatus.OPEN:
        raise ActionNotAvailable(f"exception {exception_id} is {record.status}, not open")
    return record


def _applicable(preview: CorrectionPreview) -> CorrectionPreview:
    if preview.outcome != "apply":
        raise CorrectionRefused(
            f"the corrected payload would not apply ({preview.outcome}): {preview.reason}; "
            "fix the payload and preview it again"
        )
    return preview


def _source(record: ExceptionRecord) -> str:
    return str(record.details.get("source", ""))


def _id(record: ExceptionRecord) -> int:
    return record.id
