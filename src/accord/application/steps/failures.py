"""What every flow does with a step that fails: an exception it waits on."""

from __future__ import annotations

from accord.application.exception_service import ExceptionService
from accord.application.steps.context import StepOutcome
from accord.domain.exceptions import (
    BusinessException,
    ExceptionKind,
    failed_step_kind,
    transient_class,
)


class StepFailures:
    """Open the exception a failed step waits on; close it once the step succeeded."""

    def __init__(self, exceptions: ExceptionService) -> None:
        self.exceptions = exceptions

    def open_failure(
        self, subject: str, outcome: StepOutcome, workflow_id: str, compensable: bool = False
    ) -> None:
        """Record a failed step; the flow waiting on it is named so an action resumes it.
        `compensable`: the flow can undo what it did, so a person may reject it."""
        kind = failed_step_kind(outcome.kind)
        problem = BusinessException(kind, subject, outcome.reason or "step failed")
        details: dict[str, object] = {"workflow_id": workflow_id, "system": outcome.system}
        if kind is ExceptionKind.SYSTEM_UNAVAILABLE:
            details["transient_class"] = str(transient_class(problem.message))
        if compensable:
            details["compensable"] = True
        self.exceptions.open(problem, details)

    def close_failure(self, subject: str, note: str = "step succeeded") -> None:
        """Close the failures about `subject`; `note` says how it ended (a step that
        succeeded, or a rejection and what it set back). An unknown reference is closed
        only when a flow opened it (billing opens its own about records it could not
        apply, which a flow's success does not settle)."""
        for kind in (
            ExceptionKind.SYSTEM_UNAVAILABLE,
            ExceptionKind.POSTING_REJECTED,
            ExceptionKind.EINVOICE_INVALID,
        ):
            self.exceptions.close(kind, subject, note)
        unknown = self.exceptions.find_open(ExceptionKind.UNKNOWN_REFERENCE, subject)
        if unknown is not None and unknown.details.get("workflow_id"):
            self.exceptions.close(ExceptionKind.UNKNOWN_REFERENCE, subject, note)
