"""A worker or outbox relay process for crash tests: run with `python _worker_proc.py`.

Arguments: ROLE (worker|relay) DATABASE_URL PAUSE_BATCH MARKER [NATS_URL NAMESPACE].
On batch number PAUSE_BATCH (0 = never) it writes MARKER and hangs inside the batch
(the worker before its commit, the relay after the broker acked, before marking), so the
test can SIGKILL it at the worst moment.
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

from accord.adapters.store import create_store_engine
from accord.adapters.unit_of_work import SqlAlchemyUnitOfWork
from accord.application.bus import InProcessBus
from accord.application.outbox_relay import OutboxRelay
from accord.application.ports import Publisher
from accord.application.worker import EventWorker


def pause_on(batch: int, marker: Path) -> object:
    seen = 0

    def hook(_size: int) -> None:
        nonlocal seen
        seen += 1
        if seen == batch:
            marker.write_text("in batch")
            time.sleep(3600)

    return hook


def main(role: str, url: str, pause_batch: str, marker: str, *nats: str) -> None:
    unit_of_work = partial(SqlAlchemyUnitOfWork, create_store_engine(url))
    hook = pause_on(int(pause_batch), Path(marker))
    if role == "worker":
        EventWorker(unit_of_work, batch_size=500, before_commit=hook).run_once()  # type: ignore[arg-type]
        return
    publisher: Publisher = InProcessBus()
    if nats:
        from accord.adapters.publishers import NatsJetStreamPublisher

        publisher = NatsJetStreamPublisher(nats[0], namespace=nats[1])
    OutboxRelay(unit_of_work, publisher, batch_size=500, after_publish=hook).run_once()  # type: ignore[arg-type]
    publisher.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
