"""The durable-execution runtime: DBOS, launched on the hub's own database.

DBOS keeps each workflow's progress in its system database (SQLite next to the store on
the embedded default, PostgreSQL when scaled out). Flows reach the application services
through `services()`, set once at launch, because DBOS workflows are module functions.

Every flow is recorded under `FLOWS_VERSION` and recovered by it, so a hub upgraded to
new code still resumes the flows the old one left unfinished. A process that stops
wakes its parked flows first (`INTERRUPTED`), so none holds the exit up; each stays
pending in the system database and parks again when recovered. A flow at work stops
before its next step starts and, recovered, runs that step then.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import wraps
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from dbos import DBOS

from accord.application.contention import retrying_while_busy
from accord.application.contract_to_cash import ContractToCash
from accord.application.einvoicing import EInvoicing
from accord.domain.retry import TransientBudget
from accord.flows import dispatch

log = logging.getLogger("accord.flows")
FLOWS_VERSION = "accord-flows-1"
"""The application version DBOS records on every flow and recovers by (by default DBOS
hashes the workflow code, so any upgrade would strand the flows in progress). Bump it
only for a change a flow in progress cannot replay: a step removed, renamed or moved
before steps it may already have recorded (see docs/architecture.md)."""
RESUME_TOPIC = "resume"
"""The topic a parked flow waits on for its resume message."""
INTERRUPTED = "interrupted"
"""The message that wakes a parked flow whose process is stopping."""
WAKE_TIMEOUT_SECONDS = 10.0

_services: FlowServices | None = None
_admission: StepAdmission | None = None
_stopping = threading.Event()


@dataclass(frozen=True)
class FlowServices:
    """What the flows orchestrate; every decision lives in these services.

    Each call a step makes to them rides out a busy store within `busy_budget`; past it
    the flow opens an exception and waits on it, trying again after at most
    `busy_wait_seconds` (or sooner, when nudged)."""

    contract_to_cash: ContractToCash
    resume_wait_seconds: float = 3600.0
    einvoicing: EInvoicing | None = None
    """When set, posting validates each document's e-invoice before sending it."""
    busy_budget: TransientBudget = field(default_factory=TransientBudget)
    busy_wait_seconds: float = 30.0


def services() -> FlowServices:
    if _services is None:
        raise RuntimeError("flows are not launched: call accord.flows.engine.launch() first")
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


class _StepUseCases:
    """The flows' use cases as steps call them: each call made only once `admission`
    admits it (when there is one), and tried again while the store is busy, within
    `budget` (every use case a step calls is idempotent by business key).

    In a stopping process no call starts: the flow ends its thread with
    `FlowInterrupted` before the step does anything, stays pending and runs the step
    when it is recovered, so a flow in the middle of its work never holds the exit up
    longer than the step in hand."""

    def __init__(
        self, use_cases: object, admission: StepAdmission | None, budget: TransientBudget
    ) -> None:
        self._use_cases = use_cases
        self._admission = admission
        self._budget = budget

    def __getattr__(self, name: str) -> Any:
        member = getattr(self._use_cases, name)
        if not callable(member):
            return member
        call = cast(Callable[..., Any], member)

        @wraps(call)
        def as_a_step(*args: Any, **kwargs: Any) -> Any:
            with self._admitted():
                if stopping():
                    raise FlowInterrupted(name)
                return retrying_while_busy(lambda: call(*args, **kwargs), self._budget)

        return as_a_step

    @contextmanager
    def _admitted(self) -> Iterator[None]:
        if self._admission is None:
            yield
            return
        with self._admission.admitted():
            yield


def _prepare_sqlite(url: str) -> None:
    # DBOS leaves SQLite in rollback-journal mode; WAL roughly doubles its throughput.
    path = sa.make_url(url).database
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        engine.dispose()


def start(
    system_database_url: str,
    flow_services: FlowServices,
    executor_id: str | None = None,
    admission: StepAdmission | None = None,
) -> None:
    """Start DBOS for this process and recover the workflows it left unfinished; only the
    flows already registered are recovered, so the hub calls `engine.launch`, which
    registers them all first.

    Scaled out, each worker passes its own `executor_id`: DBOS tags the flows it runs
    with it, so a dead worker's flows can be told apart and taken over. With an
    `admission`, recovered and new flows run their steps only as it admits them (see
    `StepAdmission`); DBOS itself is up at once, so flows can be started and listed."""
    global _services, _admission
    if system_database_url.startswith("sqlite"):
        _prepare_sqlite(system_database_url)
    use_cases = _StepUseCases(flow_services.contract_to_cash, admission, flow_services.busy_budget)
    _services = replace(flow_services, contract_to_cash=cast(ContractToCash, use_cases))
    _admission = admission
    _stopping.clear()
    DBOS(
        config={
            "name": "accord",
            "system_database_url": system_database_url,
            "application_version": FLOWS_VERSION,
            "executor_id": executor_id,
            # DBOS logs through its own handler: the "dbos" logger's level (WARNING on
            # `accord up`'s console unless --log-level debug) decides what it prints.
            "log_level": logging.getLevelName(logging.getLogger("dbos").getEffectiveLevel()),
        }
    )
    DBOS.launch()


class FlowInterrupted(BaseException):
    """Ends the thread of a parked flow whose process is stopping. Not an `Exception`, so
    DBOS records no outcome: the flow stays pending and is recovered at the next launch."""


def stopping() -> bool:
    """Whether this process is shutting its flows down."""
    return _stopping.is_set()


def _wake_parked(timeout: float) -> None:
    """Wake every parked flow of this process and wait until each has left its wait.

    A flow that parks while this runs sees `stopping()` and leaves at once; one woken
    by `INTERRUPTED` records the message and, recovered later, parks again."""
    woken: set[str] = set()
    deadline = time.monotonic() + timeout
    while (parked := waits.parked()) and time.monotonic() < deadline:
        for flow in parked - woken:
            DBOS.send(flow, INTERRUPTED, RESUME_TOPIC)
            woken.add(flow)
        time.sleep(0.05)


def stop_steps() -> None:
    """From now on no flow step starts in this process (see `_StepUseCases`): call it
    first when stopping, so flows stop competing with the rest of the shutdown."""
    _stopping.set()
    if _admission is not None:
        _admission.release()  # held steps leave at once (they see `stopping()`)


def shutdown() -> None:
    """Stop the steps, wake the parked flows, then stop DBOS; unfinished flows resume at
    the next launch.

    A parked flow waits up to `resume_wait_seconds` (an hour); left asleep, its thread
    would hold the interpreter's exit that long."""
    global _services, _admission
    stop_steps()
    began = time.monotonic()
    _wake_parked(WAKE_TIMEOUT_SECONDS)
    log.info("parked flows woken after %.1f s", time.monotonic() - began)
    DBOS.destroy(workflow_completion_timeout_sec=0)
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


def wait_for_message(flow: str, seconds: float | None = None) -> object:
    """Park until a message for `flow` arrives, or `seconds` (default
    `resume_wait_seconds`) pass (None).

    A parked flow is woken with `INTERRUPTED` when its process stops, and leaves by
    `FlowInterrupted` without recording anything more; recovered after a restart, it
    replays the recorded interruption and waits again."""
    while True:
        waits.park(flow)
        if stopping():
            waits.unpark(flow)
            raise FlowInterrupted(flow)
        wait = services().resume_wait_seconds if seconds is None else seconds
        message = DBOS.recv(RESUME_TOPIC, timeout_seconds=wait)
        waits.unpark(flow)
        if message != INTERRUPTED:
            return message
        if stopping():
            raise FlowInterrupted(flow)


def send(workflow_id: str, message: str, topic: str) -> None:
    """Deliver a message to a waiting flow; it counts as busy until it parks again."""
    waits.unpark(workflow_id)
    dispatch.current().send(workflow_id, message, topic)


def busy_workflows() -> set[str]:
    """Flows of this process that are running, i.e. neither finished nor parked."""
    pending = DBOS.list_workflows(status=["PENDING", "ENQUEUED"])
    return {w.workflow_id for w in pending} - waits.parked()
