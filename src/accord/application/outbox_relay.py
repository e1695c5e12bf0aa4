"""The outbox relay: publishes committed outbox messages in order, at least once.

A message is marked published only after the publisher returns (every broker ack in
hand). A crash between the ack and the mark republishes the message on restart; the
broker drops it by its event id (NATS `Nats-Msg-Id`), so subscribers see it once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from accord.application.clock import Clock, utc_now
from accord.application.contention import StoreBusy
from accord.application.ports import Publisher
from accord.application.unit_of_work import UnitOfWorkFactory


class OutboxRelay:
    """Moves outbox messages to a `Publisher`, `batch_size` per round trip."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        publisher: Publisher,
        *,
        batch_size: int = 1000,
        clock: Clock = utc_now,
        after_publish: Callable[[int], None] | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._publisher = publisher
        self._batch_size = batch_size
        self._clock = clock
        self._after_publish = after_publish

    def run_once(self, max_events: int | None = None) -> int:
        """Publish until the outbox is empty or `max_events` were published."""
        done = 0
        while max_events is None or done < max_events:
            limit = self._batch_size
            if max_events is not None:
                limit = min(limit, max_events - done)
            published = self.publish_batch(limit)
            if published == 0:
                break
            done += published
        return done

    def run_forever(self, stop: threading.Event, idle_seconds: float = 0.2) -> None:
        while not stop.is_set():
            try:
                published = self.publish_batch(self._batch_size)
            except StoreBusy:  # another writer held the store; the next round tries again
                published = 0
            if published == 0:
                stop.wait(idle_seconds)

    def publish_batch(self, limit: int) -> int:
        """Read, publish, then mark: the write lock is not held while the broker acks."""
        with self._unit_of_work() as uow:
            records = uow.outbox.unpublished(limit)
        if not records:
            return 0
        self._publisher.publish([record.message for record in records])
        if self._after_publish is not None:
            self._after_publish(len(records))
        with self._unit_of_work() as uow:
            uow.outbox.mark_published([record.seq for record in records], self._clock())
            uow.commit()
        return len(records)
