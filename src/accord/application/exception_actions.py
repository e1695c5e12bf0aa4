"""What a person's action on an exception does.

`retry` and `replay` resume the flow that waits on the exception (the flow closes the
exception once its step succeeds); `approve` and `reject` record a finance decision that
the next invoice run applies, and close the exception; `skip` closes it with a reason.
On an exception whose flow can undo its work (an activation part-way, `compensable` in
its details) `reject` is delivered to that flow instead: it sets back every system it
changed and then closes the exception with what it did.
"""

from __future__ import annotations

from collections.abc import Callable

from accord.application.billing import BillingService
from accord.application.exception_service import ExceptionService
from accord.application.operations import ActionNotAvailable
from accord.application.ports import ExceptionRecord
from accord.domain.exceptions import (
    ExceptionAction,
    ExceptionKind,
    ExceptionStatus,
    actions_for,
)

Resume = Callable[[str, ExceptionAction, str], None]
"""Delivers a person's action (retry, replay or reject) and note to the flow with this
workflow id."""


def allowed_actions(record: ExceptionRecord) -> tuple[ExceptionAction, ...]:
    """What a person may do with this exception (reject too when its flow can undo)."""
    compensable = record.details.get("compensable") is True
    return actions_for(ExceptionKind(record.kind), compensable=compensable)


class ExceptionActionService:
    def __init__(
        self, exceptions: ExceptionService, billing: BillingService, resume: Resume
    ) -> None:
        self._exceptions = exceptions
        self._billing = billing
        self._resume = resume

    def act(
        self, exception_id: int, action: ExceptionAction, note: str, actor: str
    ) -> ExceptionRecord:
        record = self._exceptions.get(exception_id)
        if record.status is not ExceptionStatus.OPEN:
            raise ActionNotAvailable(f"exception {exception_id} is {record.status}, not open")
        allowed = allowed_actions(record)
        if action not in allowed:
            raise ActionNotAvailable(f"a {record.kind} exception allows only: {', '.join(allowed)}")
        self.apply(record, action, f"{actor}: {note}")
        return self._exceptions.get(exception_id)

    def apply(self, record: ExceptionRecord, action: ExceptionAction, note: str) -> None:
        """Carry out `action` on an open exception (the checks are the caller's)."""
        compensating = action is ExceptionAction.REJECT and record.details.get("compensable")
        if action in (ExceptionAction.RETRY, ExceptionAction.REPLAY) or compensating:
            flow = record.details.get("workflow_id")
            if not isinstance(flow, str) or not flow:
                raise ActionNotAvailable(
                    f"no flow waits on exception {record.id}; the next run picks it up"
                )
            self._resume(flow, action, note)
        elif action in (ExceptionAction.APPROVE, ExceptionAction.REJECT):
            self._billing.decide(ExceptionKind(record.kind), record.subject, action)
            self._exceptions.close(ExceptionKind(record.kind), record.subject, note)
        else:
            self._exceptions.skip(record.id, note)
