"""What a person sees and does on the exception queue, for both the API and the dashboard:
an exception's criticality class and SLA breach, and an action on it audited in the same
transaction. Neither entrypoint decides these, so neither imports the other for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accord.application.governance import Governance
from accord.application.operations import ExceptionActions, QueueExceptionActions
from accord.application.ports import ExceptionRecord
from accord.application.unit_of_work import UnitOfWorkFactory
from accord.domain.criticality import Criticality, CriticalityClass
from accord.domain.exceptions import ExceptionAction


def _classes(hub: Any) -> Criticality:
    return getattr(hub, "criticality", None) or Criticality.default()


def criticality_of(hub: Any, record: ExceptionRecord) -> CriticalityClass:
    """The record's criticality class under the hub's classes (the defaults otherwise)."""
    return _classes(hub).class_of(record.kind, record.details.get("workflow_id"))


def past_sla(hub: Any, record: ExceptionRecord, now: datetime) -> bool:
    """Whether the open `record` is past its SLA: its kind's, cut short by its class's."""
    flow = record.details.get("workflow_id")
    due = _classes(hub).sla_due(record.kind, record.created_at, record.sla_due, flow)
    return str(record.status) == "open" and due < now


def exception_actions_or_queue(
    wired: ExceptionActions | None, unit_of_work: UnitOfWorkFactory
) -> ExceptionActions:
    """The hub's exception actions, or the queue's own when no flows are wired."""
    return wired if wired is not None else QueueExceptionActions(unit_of_work)


def take_action(
    governance: Governance,
    actions: ExceptionActions,
    before: ExceptionRecord,
    action: ExceptionAction,
    note: str,
    actor: str,
    correlation: str,
) -> ExceptionRecord:
    """Act on an exception and audit it in one transaction: both are kept, or neither.
    (A resumed flow is told at once; it only retries its step, which is harmless.)"""
    with governance.audit.transaction():
        after = actions.act(before.id, action, note, actor)
        governance.audit.record(
            actor,
            f"exception.{action}",
            f"exception:{before.id}",
            before={"status": before.status, "note": None},
            after={"status": after.status, "note": note},
            correlation_id=correlation,
        )
    return after
