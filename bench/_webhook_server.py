"""The hub's HTTP API for the webhook latency bench: `python -m bench._webhook_server HOME PORT`.

The embedded default store (SQLite under HOME) with the master data the time entries
name, the FastAPI app `accord up` serves, on 127.0.0.1:PORT, and — as in `accord up`,
whose scheduler ticks every second — the event worker applying what the webhooks logged
once a second. Webhook secrets come from ACCORD_WEBHOOK_SECRETS like any hub's.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import uvicorn

from accord.bootstrap import build_hub
from accord.http_app import create_app
from accord.loops.hub_process import Intervals
from accord.settings import Settings
from bench.bench_ingest import _events


def main(home: str, port: str) -> None:
    root = Path(home)
    hub = build_hub(Settings(home=root, database_url=f"sqlite:///{root / 'accord.sqlite'}"))
    hub.ingest.ingest_lines(_events(2))  # the contract and the resource entries name
    hub.worker.run_once()
    stop = threading.Event()

    def apply_every_tick() -> None:
        while not stop.wait(Intervals().tick):
            hub.worker.run_once()

    threading.Thread(target=apply_every_tick, name="bench-worker", daemon=True).start()
    try:
        uvicorn.run(
            create_app(hub), host="127.0.0.1", port=int(port), log_level="warning", access_log=False
        )
    finally:
        stop.set()
        hub.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
