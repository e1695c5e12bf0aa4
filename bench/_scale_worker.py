"""One event-worker process of the scale bench: `python -m bench._scale_worker ARGS`.

Arguments: DATABASE_URL NAME START_FILE READY_FILE BATCH. It connects, writes READY_FILE,
waits for START_FILE (so every worker of a run starts together), then applies batches
until the log has no pending event left, and prints
`{"processed": n, "finished": <unix time of its last commit>, "cpu": <CPU seconds>}`, the
CPU time (user + system, its own getrusage) it spent from the start to the end.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from functools import partial
from pathlib import Path

from accord.adapters.queries import SqlAlchemyEventLogQueries
from accord.adapters.store import create_store_engine
from accord.adapters.unit_of_work import SqlAlchemyUnitOfWork
from accord.application.worker import EventWorker

IDLE_SECONDS = 0.01


def _cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def drain(worker: EventWorker, queries: SqlAlchemyEventLogQueries, batch: int) -> tuple[int, float]:
    """Apply until nothing is pending; rows another worker holds are waited for."""
    processed, finished = 0, time.time()
    while True:
        done = worker.process_batch(batch)
        if done:
            processed += done
            finished = time.time()
        elif queries.status().backlog == 0:
            return processed, finished
        else:
            time.sleep(IDLE_SECONDS)


def main(url: str, name: str, start: str, ready: str, batch: str) -> None:
    engine = create_store_engine(url)
    worker = EventWorker(partial(SqlAlchemyUnitOfWork, engine), name=name, batch_size=int(batch))
    queries = SqlAlchemyEventLogQueries(engine)
    queries.status()  # connect before the start, so the timed run measures applying only
    Path(ready).write_text(name)
    while not Path(start).exists():
        time.sleep(0.002)
    cpu = _cpu_seconds()
    processed, finished = drain(worker, queries, int(batch))
    cpu = _cpu_seconds() - cpu
    engine.dispose()
    print(json.dumps({"processed": processed, "finished": finished, "cpu": cpu}))


if __name__ == "__main__":
    main(*sys.argv[1:])
