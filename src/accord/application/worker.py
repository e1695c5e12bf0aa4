"""The event-log worker: applies pending inbound events in batches, exactly once.

One batch is one unit of work: the business-object upserts (the effects), the outbox
messages announcing them, exceptions for events that cannot be applied (with their audit
rows and `exception.opened` events when wired to the exception service), the events'
new statuses and the worker checkpoint all commit together. A crash anywhere before the
commit leaves the batch pending; after it, nothing is left to redo.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from accord.application.applying import BatchPlan, plan_batch
from accord.application.bulk import collector_paused
from accord.application.clock import Clock, utc_now
from accord.application.contention import StoreBusy
from accord.application.exception_service import BatchExceptions, QueuedOnly
from accord.application.quarantine import raise_unknown_references
from accord.application.unit_of_work import UnitOfWork, UnitOfWorkFactory

BeforeCommit = Callable[[int], None]


class EventWorker:
    """Processes pending events in log order, `batch_size` per transaction."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        *,
        name: str = "event-worker",
        batch_size: int = 2000,
        clock: Clock = utc_now,
        before_commit: BeforeCommit | None = None,
        exceptions: BatchExceptions | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._exceptions = exceptions or QueuedOnly()
        self.name = name
        self._batch_size = batch_size
        self._clock = clock
        self._before_commit = before_commit

    def run_once(
        self, max_events: int | None = None, stopping: Callable[[], bool] | None = None
    ) -> int:
        """Process batches until the log is drained, `max_events` were processed or
        `stopping()` says so (each batch commits with its checkpoint)."""
        done = 0
        while (max_events is None or done < max_events) and not (stopping and stopping()):
            limit = (
                self._batch_size if max_events is None else min(self._batch_size, max_events - done)
            )
            processed = self.process_batch(limit)
            if processed == 0:
                break
            done += processed
        return done

    def run_forever(self, stop: threading.Event, idle_seconds: float = 0.2) -> None:
        """Drain the log, then poll every `idle_seconds`, until `stop` is set."""
        while not stop.is_set():
            try:
                processed = self.process_batch(self._batch_size)
            except StoreBusy:  # another writer held the store; the batch rolled back
                processed = 0
            if processed == 0:
                stop.wait(idle_seconds)

    def process_batch(self, limit: int) -> int:
        """Claim and apply up to `limit` pending events in one transaction."""
        with collector_paused(), self._exceptions.transaction(), self._unit_of_work() as uow:
            claimed = uow.events.claim_pending(limit)
            if not claimed:
                return 0
            wanted = {(event.business_kind, event.business_key) for event in claimed}
            now = self._clock()

            def load_versions(referenced: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
                # Under the apply lock, so another worker's commit cannot slip between
                # the stale check and the upsert, and applied_seq commits in order.
                uow.objects.lock_applying()
                return uow.objects.versions(wanted | referenced)

            plan = plan_batch(claimed, load_versions, now)
            if plan.rejected and uow.events.pending_before(claimed[0].seq):
                # An older event another worker has claimed but not committed may be the
                # very record these name; quarantining them now would lose them. Roll
                # back and claim again once that batch is in.
                return 0
            self._write(uow, plan, now)
            uow.checkpoints.advance(self.name, claimed[-1].seq, now)
            if self._before_commit is not None:
                self._before_commit(len(claimed))
            uow.commit()
            return len(claimed)

    def _write(self, uow: UnitOfWork, plan: BatchPlan, now: datetime) -> None:
        uow.objects.upsert(plan.objects, now)
        uow.outbox.add(plan.messages, now)
        uow.events.record_outcomes(plan.applied, plan.outcomes, now)
        if plan.rejected:
            raise_unknown_references(uow, self._exceptions, plan.rejected, now)
