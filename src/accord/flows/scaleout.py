"""Flows across many processes: workers serve the shared queue, a dead worker's flows are
taken over, and the API and scheduler only enqueue.

Every worker launches DBOS with its own executor id and listens on the `accord-flows`
queue; the API and the scheduler enqueue onto it through a `DBOSClient`. DBOS tags each
flow with the executor running it. A worker holds a lock named after its executor id for
as long as it lives (see `adapters/locks.py`), so `Takeover` can tell a dead executor
from a busy one and hand the dead one's unfinished flows back to the queue, where a live
worker resumes each from its last completed step.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from dbos import DBOS

from accord.flows import dispatch

log = logging.getLogger("accord.flows")

QUEUE_POLLING_SECONDS = 0.25


def serve_flow_queue(worker_concurrency: int | None = None) -> None:
    """Listen on the shared flow queue (after `engine.launch`); flows started in this
    process go onto the queue too, so their children spread over every worker."""
    DBOS.register_queue(
        dispatch.FLOW_QUEUE,
        worker_concurrency=worker_concurrency,
        polling_interval_sec=QUEUE_POLLING_SECONDS,
    )
    dispatch.use(dispatch.QueueDispatch())


def enqueue_only(system_database_url: str) -> dispatch.ClientDispatch:
    """Make this process (API, scheduler) start flows by enqueueing them for workers."""
    client = dispatch.ClientDispatch(system_database_url)
    dispatch.use(client)
    return client


class Takeover:
    """Finds executors that hold unfinished flows but are no longer alive and returns
    their flows to the queue (DBOS recovery for another executor id)."""

    def __init__(self, own_executor: str, is_alive: Callable[[str], bool]) -> None:
        self._own = own_executor
        self._is_alive = is_alive

    def run_once(self) -> list[str]:
        """Recover the flows of every dead executor; returns the executors taken over."""
        pending = DBOS.list_workflows(status="PENDING", load_input=False, load_output=False)
        others = {w.executor_id for w in pending if w.executor_id and w.executor_id != self._own}
        dead = [executor for executor in sorted(others) if not self._is_alive(executor)]
        if dead:
            recovered = DBOS._recover_pending_workflows(dead)
            log.warning("took over %d flows of %s", len(recovered), ", ".join(dead))
        return dead

    def run_forever(self, stop: threading.Event, every: float = 2.0) -> None:
        while not stop.wait(every):
            try:
                self.run_once()
            except Exception:  # a failed check must not end the worker; the next retries
                log.exception("checking for dead workers failed; retrying")
