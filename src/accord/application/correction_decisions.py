"""Submitting and approving a correction, each audited in the transaction that makes it
(`exception.correction_submitted`, `exception.correction_approved`): what the API and the
dashboard's forms both do."""

from __future__ import annotations

from typing import Any

from accord.application.audited import audited
from accord.application.corrections import Correction, CorrectionService
from accord.application.governance import Governance


def _summary(correction: Correction) -> dict[str, Any]:
    return {
        "status": str(correction.status),
        "submitted_by": correction.submitted_by,
        "approved_by": correction.approved_by,
        "business_key": correction.preview.business_key,
        "changes": [
            {"field": c.field, "before": str(c.before), "after": str(c.after)}
            for c in correction.preview.changes
        ],
    }


def submit_audited(
    service: CorrectionService,
    governance: Governance,
    exception_id: int,
    payload: str,
    note: str,
    actor: str,
    correlation: str,
) -> Correction:
    """Submit a correction and audit it (`exception.correction_submitted`) together."""

    def submit() -> Correction:
        return service.submit(exception_id, payload, actor, note)

    action, subject = "exception.correction_submitted", f"exception:{exception_id}"
    return audited(governance, actor, correlation, action, submit, subject, _summary)


def approve_audited(
    service: CorrectionService,
    governance: Governance,
    exception_id: int,
    note: str,
    actor: str,
    correlation: str,
) -> Correction:
    """Approve and apply a correction, audited (`exception.correction_approved`) with it."""

    def approve() -> Correction:
        return service.approve(exception_id, actor, note)

    action, subject = "exception.correction_approved", f"exception:{exception_id}"
    return audited(governance, actor, correlation, action, approve, subject, _summary)
