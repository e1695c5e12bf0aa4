"""The durable-execution runtime: DBOS, launched on the hub's own database.

DBOS keeps each workflow's progress in its system database (SQLite next to the store on
the embedded default, PostgreSQL when scaled out). Flows reach the application services
through `services()`, set once at launch, because DBOS workflows are module functions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import wraps
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from dbos import DBOS

from accord.application.contract_to_cash import ContractToCash
from accord.flows import dispatch

_services: FlowServices | None = None
_admission: StepAdmission | None = None


@dataclass(frozen=True)
class FlowServices:
    """What the flows orchestrate; every decision lives in these services."""

    contract_to_cash: ContractToCash
    resume_wait_seconds: float = 3600.0


def services() -> FlowServices:
    if _services is None:
        raise RuntimeError("flows are not launched: call accord.flows.runtime.launch() first")
    return _services


class StepAdmission:
    """Admits the steps of this process's flows: none while held, then `slots` at once.

    A hub restarted on a home with many unfinished flows recovers them all at once, and
    each would call other systems straight away: hundreds of threads starve the process,
    and its HTTP server answers late. Held until the server answers, then admitted a few
    at a time, the backlog drains in the background while the hub serves. A step waiting
    here has done nothing yet; every step is idempotent by business key, so one cut short
    by a shutdown simply runs again when the flow is recovered.
    """

    def __init__(self, slots: int | None = None, *, held: bool = False) -> None:
        self._open = threading.Event()
        if not held:
            self._open.set()
        self._slots = threading.BoundedSemaphore(slots) if slots else None

    def release(self) -> None:
        """Let held steps proceed (idempotent)."""
        self._open.set()

    @property
    def held(self) -> bool:
        return not self._open.is_set()

    @contextmanager
    def admitted(self) -> Iterator[None]:
        """Wait until released and a slot is free; hold the slot while the step runs."""
        self._open.wait()
        if self._slots is None:
            yield
            return
        with self._slots:
            yield


class _AdmittedUseCases:
    """The flows' use cases, each call made only once `admission` admits it."""

    def __init__(self, use_cases: object, admission: StepAdmission) -> None:
        self._use_cases = use_cases
        self._admission = admission

    def __getattr__(self, name: str) -> Any:
        member = getattr(self._use_cases, name)
        if not callable(member):
            return member
        call = cast(Callable[..., Any], member)

        @wraps(call)
        def when_admitted(*args: Any, **kwargs: Any) -> Any:
            with self._admission.admitted():
                return call(*args, **kwargs)

        return when_admitted


def _prepare_sqlite(url: str) -> None:
    # DBOS leaves SQLite in rollback-journal mode; WAL roughly doubles its throughput.
    path = sa.make_url(url).database
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        engine.dispose()


def launch(
    system_database_url: str,
    flow_services: FlowServices,
    executor_id: str | None = None,
    admission: StepAdmission | None = None,
) -> None:
    """Start DBOS for this process and recover the workflows it left unfinished.

    Scaled out, each worker passes its own `executor_id`: DBOS tags the flows it runs
    with it, so a dead worker's flows can be told apart and taken over. With an
    `admission`, recovered and new flows run their steps only as it admits them (see
    `StepAdmission`); DBOS itself is up at once, so flows can be started and listed."""
    global _services, _admission
    from accord.flows import (  # noqa: F401  (register)
        activation,
        amendment,
        invoice_run,
        payments,
        posting,
    )

    if system_database_url.startswith("sqlite"):
        _prepare_sqlite(system_database_url)
    _services = flow_services
    if admission is not None:
        use_cases = _AdmittedUseCases(flow_services.contract_to_cash, admission)
        _services = replace(flow_services, contract_to_cash=cast(ContractToCash, use_cases))
    _admission = admission
    DBOS(
        config={
            "name": "accord",
            "system_database_url": system_database_url,
            "executor_id": executor_id,
            "log_level": logging.getLevelName(logging.getLogger("accord").getEffectiveLevel()),
        }
    )
    DBOS.launch()


def shutdown() -> None:
    """Stop DBOS; unfinished workflows resume at the next launch."""
    global _services, _admission
    DBOS.destroy(workflow_completion_timeout_sec=0)
    if _admission is not None:
        _admission.release()  # held steps run out (idempotent) rather than block exit
    _services = _admission = None


class _WaitRegistry:
    """Which flows of this process are parked, waiting for an action or a system.

    A flow is parked from the moment it waits until a resume is sent to it, so the
    scheduler (and the scenario runner) can tell work in progress from work waiting.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parked: set[str] = set()

    def park(self, workflow_id: str) -> None:
        with self._lock:
            self._parked.add(workflow_id)

    def unpark(self, workflow_id: str) -> None:
        with self._lock:
            self._parked.discard(workflow_id)

    def parked(self) -> set[str]:
        with self._lock:
            return set(self._parked)


waits = _WaitRegistry()


def send(workflow_id: str, message: str, topic: str) -> None:
    """Deliver a message to a waiting flow; it counts as busy until it parks again."""
    waits.unpark(workflow_id)
    dispatch.current().send(workflow_id, message, topic)


def busy_workflows() -> set[str]:
    """Flows of this process that are running, i.e. neither finished nor parked."""
    pending = DBOS.list_workflows(status=["PENDING", "ENQUEUED"])
    return {w.workflow_id for w in pending} - waits.parked()
