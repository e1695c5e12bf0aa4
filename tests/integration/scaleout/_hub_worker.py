"""One event worker process of a scaled-out hub: run with `python _hub_worker.py`.

Arguments: DATABASE_URL NAME START_FILE PAUSE_BATCH MARKER [NATS_URL NAMESPACE].
It writes `<MARKER>.ready`, waits for START_FILE (so the test starts every worker at
once), then applies batches until the log has no pending event left, including those
another worker held when it died. On batch PAUSE_BATCH (0 = never) it writes MARKER and
hangs before its commit, so the test can SIGKILL it mid-batch. With NATS_URL it then
relays the outbox to NATS JetStream. It prints `{"processed": n, "published": m}`.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from accord.adapters.queries import SqlAlchemyEventLogQueries
from accord.adapters.store import create_store_engine
from accord.adapters.unit_of_work import SqlAlchemyUnitOfWork
from accord.application.outbox_relay import OutboxRelay
from accord.application.ports import BusinessObjects
from accord.application.worker import EventWorker

BATCH = 100
JITTER_SECONDS = 0.03


class JitteredObjects:
    """Business objects that wait a random moment before taking the apply lock."""

    def __init__(self, objects: BusinessObjects) -> None:
        self._objects = objects

    def lock_applying(self) -> None:
        time.sleep(random.uniform(0, JITTER_SECONDS))
        self._objects.lock_applying()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._objects, name)


class JitteredUnitOfWork(SqlAlchemyUnitOfWork):
    """Waits a random moment before taking the apply lock, so the workers' batches
    overlap and are often applied in another order than they were claimed: the case
    where a reader following the inbound seq would skip a late commit."""

    def __enter__(self) -> JitteredUnitOfWork:
        entered = super().__enter__()
        entered.objects = JitteredObjects(entered.objects)  # type: ignore[assignment]
        return entered


def before_commit(pause_batch: int, marker: Path) -> Callable[[int], None]:
    seen = 0

    def hook(_size: int) -> None:
        nonlocal seen
        seen += 1
        if seen == pause_batch:
            marker.write_text("in batch")
            time.sleep(3600)

    return hook


def drain(worker: EventWorker, queries: SqlAlchemyEventLogQueries) -> int:
    """Process until nothing is pending; rows another worker holds are retried."""
    processed = 0
    while True:
        done = worker.process_batch(BATCH)
        processed += done
        if done == 0:
            if queries.status().backlog == 0:
                return processed
            time.sleep(0.05)


def main(url: str, name: str, start: str, pause_batch: str, marker: str, *nats: str) -> None:
    engine = create_store_engine(url)
    unit_of_work = partial(JitteredUnitOfWork, engine)
    hook = before_commit(int(pause_batch), Path(marker))
    worker = EventWorker(unit_of_work, name=name, batch_size=BATCH, before_commit=hook)
    Path(f"{marker}.ready").write_text(name)
    while not Path(start).exists():
        time.sleep(0.01)
    processed = drain(worker, SqlAlchemyEventLogQueries(engine))
    published = 0
    if nats:
        from accord.adapters.publishers import NatsJetStreamPublisher

        publisher = NatsJetStreamPublisher(nats[0], namespace=nats[1])
        published = OutboxRelay(unit_of_work, publisher, batch_size=500).run_once()
        publisher.close()
    print(json.dumps({"processed": processed, "published": published}))


if __name__ == "__main__":
    main(*sys.argv[1:])
