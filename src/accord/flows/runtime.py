"""The durable-execution runtime: DBOS, launched on the hub's own database.

DBOS keeps each workflow's progress in its system database (SQLite next to the store on
the embedded default, PostgreSQL when scaled out). Flows reach the application services
through `services()`, set once at launch, because DBOS workflows are module functions.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from dbos import DBOS

from accord.application.contract_to_cash import ContractToCash

_services: FlowServices | None = None


@dataclass(frozen=True)
class FlowServices:
    """What the flows orchestrate; every decision lives in these services."""

    contract_to_cash: ContractToCash
    resume_wait_seconds: float = 3600.0


def services() -> FlowServices:
    if _services is None:
        raise RuntimeError("flows are not launched: call accord.flows.runtime.launch() first")
    return _services


def _prepare_sqlite(url: str) -> None:
    # DBOS leaves SQLite in rollback-journal mode; WAL roughly doubles its throughput.
    path = sa.make_url(url).database
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        engine.dispose()


def launch(system_database_url: str, flow_services: FlowServices) -> None:
    """Start DBOS for this process and recover the workflows it left unfinished."""
    global _services
    from accord.flows import activation, invoice_run, payments, posting  # noqa: F401  (register)

    if system_database_url.startswith("sqlite"):
        _prepare_sqlite(system_database_url)
    _services = flow_services
    DBOS(
        config={
            "name": "accord",
            "system_database_url": system_database_url,
            "log_level": logging.getLevelName(logging.getLogger("accord").getEffectiveLevel()),
        }
    )
    DBOS.launch()


def shutdown() -> None:
    """Stop DBOS; unfinished workflows resume at the next launch."""
    global _services
    DBOS.destroy(workflow_completion_timeout_sec=0)
    _services = None


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
    DBOS.send(workflow_id, message, topic)


def busy_workflows() -> set[str]:
    """Flows of this process that are running, i.e. neither finished nor parked."""
    pending = DBOS.list_workflows(status=["PENDING", "ENQUEUED"])
    return {w.workflow_id for w in pending} - waits.parked()
