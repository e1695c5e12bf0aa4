"""Replay with edit of a posting the ERP refused (a `posting_rejected` exception).

The exception stands for an issued document whose posting flow (`post:<number>`) waits
on it. Its payload is the canonical invoice the ERP was sent. Finance corrects it (the
fields `domain.posting_corrections` allows), sees the dry run (the fields, lines,
amounts and the posting it would make) and submits; a second person approves. The
approval is recorded on the exception and wakes the posting flow, whose ERP step then
sends the approved payload instead of the issued document's own, under the same
idempotency key: the ERP posts the document once, through the normal path (ledger
check, marked posted, written back), and the step's success closes the exception.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from accord.application.clock import Clock
from accord.application.document_mapping import to_invoice
from accord.application.operations import ActionNotAvailable
from accord.application.ports import ExceptionRecord
from accord.application.unit_of_work import UnitOfWorkFactory
from accord.canonical import v1
from accord.domain.billing.documents import Document, DocumentStatus
from accord.domain.corrections import APPROVED, SUBMITTED, FieldChange, check_approver
from accord.domain.exceptions import ExceptionAction, ExceptionKind, ExceptionStatus
from accord.domain.posting_corrections import (
    PostingCorrectionRefused,
    check_posting_correction,
    totals,
)

POSTING_FLOW = "post:"

Resume = Callable[[str, ExceptionAction, str], None]


@dataclass(frozen=True, slots=True)
class PostingImpact:
    """What a posting correction would do: `lines` (each line's description and tax
    category as issued and as corrected, with its net), `amounts` (net, tax and gross
    as issued and as posted) and `posting` (the ERP document it would post, once)."""

    document: str
    kind: str
    contract: str
    currency: str
    lines: list[dict[str, Any]] = field(default_factory=list)
    amounts: list[dict[str, Any]] = field(default_factory=list)
    posting: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PostingDryRun:
    """A checked posting correction: its field changes and what it would post."""

    payload: dict[str, Any]
    changes: list[FieldChange]
    impact: PostingImpact


def is_posting_correctable(record: ExceptionRecord) -> bool:
    """A posting the ERP refused, whose posting flow waits on it."""
    flow = record.details.get("workflow_id")
    return (
        record.kind is ExceptionKind.POSTING_REJECTED
        and record.details.get("system") == "erp"
        and isinstance(flow, str)
        and flow.startswith(POSTING_FLOW)
    )


def approved_posting(record: ExceptionRecord | None) -> v1.Invoice | None:
    """The posting approved last on an open `posting_rejected` exception, if any."""
    if record is None or record.status is not ExceptionStatus.OPEN:
        return None
    for entry in reversed(record.history):
        if entry.get("action") == APPROVED and isinstance(entry.get("payload"), Mapping):
            return v1.Invoice.model_validate(entry["payload"])
    return None


@dataclass
class PostingCorrections:
    """Correct, dry-run and approve the posting of a document the ERP refused."""

    unit_of_work: UnitOfWorkFactory
    document: Callable[[str], Document | None]
    clock: Clock
    resume: Resume

    def stored_payload(self, record: ExceptionRecord) -> dict[str, Any]:
        """What the ERP was last sent: the approved correction, else the issued document."""
        sent = approved_posting(record) or to_invoice(self._issued(record))
        return sent.model_dump(mode="json")

    def dry_run(self, record: ExceptionRecord, payload: Mapping[str, Any]) -> PostingDryRun:
        """Check a corrected posting against the issued document; writes nothing."""
        issued = to_invoice(self._issued(record)).model_dump(mode="json")
        try:
            corrected = v1.Invoice.model_validate(dict(payload)).model_dump(mode="json")
        except ValidationError as error:
            raise PostingCorrectionRefused(
                f"the corrected posting is not an invoice: {error}"
            ) from None
        changes = check_posting_correction(issued, corrected)
        return PostingDryRun(corrected, changes, _impact(issued, corrected))

    def submit(
        self, record: ExceptionRecord, payload: Mapping[str, Any], actor: str, note: str
    ) -> PostingDryRun:
        """Record a checked correction on the exception, awaiting a second person."""
        checked = self.dry_run(record, payload)
        entry = {"action": SUBMITTED, "by": actor, "note": note, "payload": checked.payload}
        self._note(record.id, entry)
        return checked

    def approve(
        self, record: ExceptionRecord, submitted: Mapping[str, Any], approver: str, note: str
    ) -> PostingDryRun:
        """Approve the submitted correction and wake the posting flow, which posts it."""
        check_approver(str(submitted["by"]), approver)
        checked = self.dry_run(record, submitted["payload"])
        entry = {"action": APPROVED, "by": approver, "note": note, "payload": checked.payload}
        self._note(record.id, entry)
        flow = str(record.details["workflow_id"])
        self.resume(flow, ExceptionAction.RETRY, f"correction approved by {approver}: {note}")
        return checked

    def _note(self, exception_id: int, entry: Mapping[str, Any]) -> None:
        with self.unit_of_work() as uow:
            uow.exceptions.note(exception_id, entry, self.clock())
            uow.commit()

    def _issued(self, record: ExceptionRecord) -> Document:
        document = self.document(record.subject)
        if document is None or document.status is not DocumentStatus.ISSUED:
            raise ActionNotAvailable(
                f"{record.subject} is not an issued document awaiting its posting"
            )
        return document


def _impact(issued: Mapping[str, Any], corrected: Mapping[str, Any]) -> PostingImpact:
    lines = [
        {
            "line": index + 1,
            "description": before["description"],
            "corrected_description": after["description"],
            "tax_category": before["tax_category"],
            "corrected_tax_category": after["tax_category"],
            "net": after["net"],
        }
        for index, (before, after) in enumerate(
            zip(issued["lines"], corrected["lines"], strict=True)
        )
    ]
    was, now = totals(issued), totals(corrected)
    amounts = [{"amount": name, "issued": str(was[name]), "posted": str(now[name])} for name in was]
    posting = {
        "system": "erp",
        "number": corrected["number"],
        "customer": corrected["customer"],
        "date": corrected["issue_date"],
        "lines": len(corrected["lines"]),
        "gross_total": str(now["gross_total"]),
        "currency": corrected["currency"],
    }
    return PostingImpact(
        issued["number"], issued["kind"], issued["contract"], issued["currency"],
        lines, amounts, posting,
    )  # fmt: skip
