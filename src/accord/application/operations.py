"""Ports behind the process and experience APIs: invoice runs, flows, exception actions,
read models. The durable-flow layer implements them; the HTTP layer only calls them.

Each is optional on the hub: an API whose port is not wired answers 503 and says which
service is missing, rather than pretending to work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from accord.application.clock import Clock, utc_now
from accord.application.ports import ExceptionRecord
from accord.application.unit_of_work import UnitOfWork
from accord.domain.exceptions import ExceptionAction, ExceptionKind, actions_for


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One started run (an invoice run or another flow) as the API lists it."""

    id: str
    kind: str
    status: str
    started_at: datetime
    requested_by: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    result: Mapping[str, Any] | None = None


class InvoiceRuns(Protocol):
    def start(self, through: date, contract: str | None, requested_by: str) -> str:
        """Start (or join, when one is already running for the same scope) a run."""

    def runs(self) -> Sequence[RunSummary]: ...

    def run(self, run_id: str) -> RunSummary | None: ...


@dataclass(frozen=True, slots=True)
class FlowKind:
    """One kind of flow the hub runs: its name, its steps in order, and what starts it."""

    name: str
    steps: tuple[str, ...]
    started_by: str


class Flows(Protocol):
    def names(self) -> Sequence[str]: ...

    def kinds(self) -> Sequence[FlowKind]:
        """Every kind of flow the hub runs (started by hand or not), with its steps."""

    def recent(self, kind: str, limit: int) -> Sequence[RunSummary]:
        """The latest `limit` runs of one kind, newest first."""

    def start(self, flow: str, parameters: Mapping[str, Any], requested_by: str) -> str:
        """Start the named flow; raises KeyError for an unknown flow name."""

    def run(self, run_id: str) -> RunSummary | None: ...


class ActionNotAvailable(Exception):
    """The action cannot be taken on this exception (wrong kind, closed, not wired)."""


class ExceptionActions(Protocol):
    def act(
        self, exception_id: int, action: ExceptionAction, note: str, actor: str
    ) -> ExceptionRecord:
        """Apply the action; KeyError for an unknown id, ActionNotAvailable otherwise."""


class Reports(Protocol):
    """Experience read models (reconciliation, leakage, invoices, lineage, KPIs), as
    JSON-ready documents, and the clock their ages are read against."""

    def now(self) -> datetime:
        """The hub's business clock (simulated under the sandbox)."""

    def invoices(self) -> Sequence[Mapping[str, Any]]:
        """Every issued document, newest first."""

    def reconciliation(self) -> Mapping[str, Any]:
        """The last reconciliation run's report and when it ran; never runs one."""

    def request_reconciliation(self, requested_by: str) -> Mapping[str, Any]:
        """Request a reconciliation run; the job (the one under way, if any) to poll.
        ActionNotAvailable when this hub runs no reconciliation jobs."""

    def reconciliation_run(self, run_id: int) -> Mapping[str, Any] | None: ...

    def leakage(self) -> Mapping[str, Any]: ...

    def lineage(self, invoice_number: str) -> Mapping[str, Any] | None: ...

    def kpis(self) -> Mapping[str, Any]: ...


class QueueExceptionActions:
    """Exception actions on the stored queue alone: `skip` with a reason.

    Retry, replay, approve and reject resume a waiting flow, so they need the flow
    layer's implementation of `ExceptionActions`; this one refuses them clearly.
    """

    def __init__(self, unit_of_work: Callable[[], UnitOfWork], clock: Clock = utc_now) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    def act(
        self, exception_id: int, action: ExceptionAction, note: str, actor: str
    ) -> ExceptionRecord:
        with self._unit_of_work() as uow:
            record = _find(uow.exceptions.list(), exception_id)
            _check_allowed(record, action)
            if action is not ExceptionAction.SKIP:
                raise ActionNotAvailable(
                    f"'{action}' resumes a flow and the flow engine is not running in this "
                    "process; start the hub with `accord up` or skip with a reason"
                )
            uow.exceptions.skip(exception_id, f"{actor}: {note}", self._clock())
            uow.commit()
            return _find(uow.exceptions.list(), exception_id)


def _find(records: Sequence[ExceptionRecord], exception_id: int) -> ExceptionRecord:
    for record in records:
        if record.id == exception_id:
            return record
    raise KeyError(exception_id)


def _check_allowed(record: ExceptionRecord, action: ExceptionAction) -> None:
    if record.status != "open":
        raise ActionNotAvailable(f"exception {record.id} is {record.status}, not open")
    compensable = record.details.get("compensable") is True
    allowed = actions_for(ExceptionKind(record.kind), compensable=compensable)
    if action not in allowed:
        names = ", ".join(allowed)
        raise ActionNotAvailable(f"a {record.kind} exception allows only: {names}")
