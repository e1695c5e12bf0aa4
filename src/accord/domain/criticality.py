"""Criticality classes: how much an exception matters by the flow it stops.

A stopped project set-up, approved hour, invoice posting or payment status holds up the
firm's cash; a reporting extract or a reconciliation finding does not. Each flow kind
belongs to a class (critical, standard, low), and the class decides how many times a
flow retries on its own, how long its exceptions may wait (an SLA that caps the kind's),
whether they notify people, and where they stand on the dashboard. A firm sets the
classes in its landscape file; `Criticality.default()` is what the issue asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from accord.domain.exceptions import ExceptionKind


class CriticalityClass(StrEnum):
    """How much a flow's failures matter; listed most urgent first."""

    CRITICAL = "critical"
    STANDARD = "standard"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for critical: the order the dashboard lists exceptions in."""
        return list(CriticalityClass).index(self)


class FlowKind(StrEnum):
    """The kinds of work an exception can stop."""

    PROJECT_SETUP = "project_setup"
    APPROVED_TIME = "approved_time"
    INVOICE_POSTING = "invoice_posting"
    PAYMENT_STATUS = "payment_status"
    REPORTING = "reporting"


@dataclass(frozen=True, slots=True)
class ClassPolicy:
    """What a class means for its exceptions."""

    retry_budget: int | None = 30
    """Retries a waiting flow makes on its own before a person acts (None: forever)."""
    sla: timedelta | None = None
    """The longest an exception may wait; None keeps the kind's own SLA."""
    alert: bool = True
    """Whether its exceptions notify people (new critical ones, SLA breach, escalation)."""


DEFAULT_FLOWS: Mapping[FlowKind, CriticalityClass] = {
    FlowKind.PROJECT_SETUP: CriticalityClass.CRITICAL,
    FlowKind.APPROVED_TIME: CriticalityClass.CRITICAL,
    FlowKind.INVOICE_POSTING: CriticalityClass.CRITICAL,
    FlowKind.PAYMENT_STATUS: CriticalityClass.CRITICAL,
    FlowKind.REPORTING: CriticalityClass.LOW,
}

DEFAULT_CLASSES: Mapping[CriticalityClass, ClassPolicy] = {
    CriticalityClass.CRITICAL: ClassPolicy(retry_budget=30, alert=True),
    CriticalityClass.STANDARD: ClassPolicy(retry_budget=30, alert=True),
    CriticalityClass.LOW: ClassPolicy(retry_budget=5, alert=False),
}

_WORKFLOW_PREFIXES: Mapping[str, FlowKind] = {
    "activate:": FlowKind.PROJECT_SETUP,
    "amend:": FlowKind.PROJECT_SETUP,
    "invoice-run:": FlowKind.INVOICE_POSTING,
    "post:": FlowKind.INVOICE_POSTING,
    "payment:": FlowKind.PAYMENT_STATUS,
}

_KIND_FLOWS: Mapping[ExceptionKind, FlowKind] = {
    ExceptionKind.CONTRACT_WITHDRAWN: FlowKind.PROJECT_SETUP,
    ExceptionKind.MISSING_TAX_RULE: FlowKind.INVOICE_POSTING,
    ExceptionKind.MISSING_FX_RATE: FlowKind.INVOICE_POSTING,
    ExceptionKind.CLOSED_PERIOD_CHANGE: FlowKind.INVOICE_POSTING,
    ExceptionKind.POSTING_REJECTED: FlowKind.INVOICE_POSTING,
    ExceptionKind.POSTING_MISMATCH: FlowKind.INVOICE_POSTING,
    ExceptionKind.CAP_REACHED: FlowKind.INVOICE_POSTING,
    ExceptionKind.DOUBLE_BILLING: FlowKind.INVOICE_POSTING,
    ExceptionKind.EINVOICE_INVALID: FlowKind.INVOICE_POSTING,
    ExceptionKind.UNAPPLIED_PAYMENT: FlowKind.PAYMENT_STATUS,
    ExceptionKind.RECONCILIATION_DISCREPANCY: FlowKind.REPORTING,
}


def flow_of(kind: ExceptionKind | None, workflow_id: object = None) -> FlowKind:
    """The flow an exception stops: the waiting flow's own kind when one waits on it,
    else the kind's usual flow; an event the worker could not apply (unknown reference,
    invalid event, resource not employed) counts as approved time."""
    if isinstance(workflow_id, str):
        for prefix, flow in _WORKFLOW_PREFIXES.items():
            if workflow_id.startswith(prefix):
                return flow
    return _KIND_FLOWS.get(kind, FlowKind.APPROVED_TIME) if kind else FlowKind.APPROVED_TIME


@dataclass(frozen=True, slots=True)
class Criticality:
    """A firm's classes: the class of each flow kind and what each class means."""

    flows: Mapping[FlowKind, CriticalityClass] = field(default_factory=lambda: DEFAULT_FLOWS)
    classes: Mapping[CriticalityClass, ClassPolicy] = field(default_factory=lambda: DEFAULT_CLASSES)

    @classmethod
    def default(cls) -> Criticality:
        """Project set-up, approved time, invoice posting and payment status critical;
        reporting low."""
        return cls()

    def class_of(self, kind: ExceptionKind | None, workflow_id: object = None) -> CriticalityClass:
        """The class of an exception of `kind` (on the flow `workflow_id`, if any)."""
        return self.flows.get(flow_of(kind, workflow_id), CriticalityClass.STANDARD)

    def policy(self, kind: ExceptionKind | None, workflow_id: object = None) -> ClassPolicy:
        """What the exception's class means for it."""
        return self.classes.get(self.class_of(kind, workflow_id), ClassPolicy())

    def retry_budget(self, kind: ExceptionKind | None, workflow_id: object = None) -> int | None:
        return self.policy(kind, workflow_id).retry_budget

    def alerts(self, kind: ExceptionKind | None, workflow_id: object = None) -> bool:
        return self.policy(kind, workflow_id).alert

    def sla_due(
        self,
        kind: ExceptionKind,
        created_at: datetime,
        kind_due: datetime,
        workflow_id: object = None,
    ) -> datetime:
        """When the exception is due: the kind's SLA, cut short by its class's SLA."""
        sla = self.policy(kind, workflow_id).sla
        return kind_due if sla is None else min(kind_due, created_at + sla)
