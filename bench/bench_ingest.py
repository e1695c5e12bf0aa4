"""Ingest + apply throughput of the event log on SQLite, against raw executemany.

200,000 time-entry CloudEvents go through the real path (parse and validate against the
canonical schema, append to the inbound log, worker batches: stale check, reference
check, business-object upserts, outbox, checkpoint). The baseline inserts the same
inbound rows with the sqlite3 module's `executemany` into the same table shape, in the
same run, with the same PRAGMAs: the ratio is what the event log's guarantees cost.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from accord.bootstrap import build_hub
from accord.settings import Settings

EVENTS = 200_000


def _events(count: int) -> list[str]:
    master = [
        {
            "id": "contract-K1",
            "source": "clm",
            "type": "accord.contract.v1",
            "data": {
                "id": "K1",
                "customer": "C1",
                "entity": "DE01",
                "currency": "EUR",
                "start": "2026-01-01",
            },
        },
        {
            "id": "resource-R1",
            "source": "hr",
            "type": "accord.resource.v1",
            "data": {"id": "R1", "name": "Ada Lovelace", "role": "consultant"},
        },
    ]
    entries = [
        {
            "id": f"te-{n}",
            "source": "psa",
            "type": "accord.time_entry.v1",
            "data": {
                "id": f"TE-{n}",
                "contract": "K1",
                "term": "TM",
                "resource": "R1",
                "date": "2026-03-02",
                "hours": "7.5",
                "version": 1,
            },
        }
        for n in range(count - len(master))
    ]
    return [json.dumps({"specversion": "1.0", **event}) for event in master + entries]


def _raw_executemany(path: Path, lines: list[str]) -> float:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE inbound_events (seq INTEGER PRIMARY KEY, source TEXT, event_id TEXT, "
        "type TEXT, status TEXT, payload TEXT, received_at TEXT, UNIQUE(source, event_id))"
    )
    rows = []
    for line in lines:
        event = json.loads(line)
        rows.append((event["source"], event["id"], event["type"], "pending", line, "now"))
    started = time.perf_counter()
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO inbound_events (source, event_id, type, status, payload, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def _ingest_and_apply(home: Path, lines: list[str]) -> tuple[float, float, float]:
    hub = build_hub(
        Settings(home=home, database_url=f"sqlite:///{home / 'accord.sqlite'}"),
        worker_batch_size=5000,
    )
    try:
        started = time.perf_counter()
        report = hub.ingest.ingest_lines(lines)
        ingested = time.perf_counter()
        applied = hub.worker.run_once()
        finished = time.perf_counter()
        if report.accepted != len(lines) or applied != len(lines):
            raise RuntimeError(f"bench lost events: {report} applied={applied}")
    finally:
        hub.close()
    return ingested - started, finished - ingested, finished - started


def run(events: int = EVENTS) -> list[dict[str, Any]]:
    lines = _events(events)
    with tempfile.TemporaryDirectory() as scratch:
        raw_seconds = _raw_executemany(Path(scratch) / "raw.sqlite", lines)
        ingest_s, apply_s, total_s = _ingest_and_apply(Path(scratch), lines)
    raw_rate = events / raw_seconds
    rate = events / total_s
    return [
        {
            "name": f"event log ingest+apply, {events:,} events, SQLite",
            "value": round(rate),
            "unit": "events/s",
            "baseline": "raw sqlite3 executemany of the same inbound rows",
            "baseline_value": round(raw_rate),
            "ratio": round(rate / raw_rate, 3),
            "notes": (
                f"ingest (parse+validate+append) {ingest_s:.2f} s, "
                f"apply (worker: stale+reference checks, upserts, outbox, checkpoint) "
                f"{apply_s:.2f} s, raw insert {raw_seconds:.2f} s"
            ),
        }
    ]


if __name__ == "__main__":
    for result in run():
        print(json.dumps(result, indent=2))
