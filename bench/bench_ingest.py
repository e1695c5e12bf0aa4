"""Ingest + apply throughput of the event log, against the store's raw bulk insert.

200,000 time-entry CloudEvents go through the real path (parse and validate against the
canonical schema, append to the inbound log, worker batches: stale check, reference
check, business-object upserts, outbox, checkpoint). On SQLite the baseline inserts the
same inbound rows with the sqlite3 module's `executemany` into the same table shape,
with the same PRAGMAs; on PostgreSQL (100,000 events, skipped when the server is not
reachable) it is psycopg 3's COPY. Each baseline is measured in the same run: the ratio
is what the event log's guarantees cost.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from accord.bootstrap import build_hub
from accord.settings import Settings

EVENTS = 200_000
POSTGRES_EVENTS = 100_000
BATCH = 10_000
POSTGRES_URL = os.environ.get(
    "ACCORD_BENCH_POSTGRES_URL",
    os.environ.get("ACCORD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
)
"""Server to bench on: a scratch database is created there and dropped afterwards."""


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


def _ingest_and_apply(home: Path, url: str, lines: list[str]) -> tuple[float, float, float]:
    hub = build_hub(Settings(home=home, database_url=url), worker_batch_size=BATCH)
    hub.ingest.batch_size = BATCH
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


def _copy_rows(lines: list[str]) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for line in lines:
        event = json.loads(line)
        rows.append((event["source"], event["id"], event["type"], "pending", line))
    return rows


def _raw_copy(url: str, lines: list[str]) -> float:
    """COPY of the same inbound rows into the same table shape, with psycopg 3."""
    import psycopg

    rows = _copy_rows(lines)
    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        connection.execute(
            "CREATE TABLE raw_inbound_events (seq BIGSERIAL PRIMARY KEY, source TEXT, "
            "event_id TEXT, type TEXT, status TEXT, payload TEXT, "
            "received_at TIMESTAMPTZ DEFAULT now(), UNIQUE (source, event_id))"
        )
        connection.commit()
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY raw_inbound_events (source, event_id, type, status, payload) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        connection.commit()
        return time.perf_counter() - started


@contextmanager
def _scratch_postgres() -> Iterator[str | None]:
    """A fresh PostgreSQL database for the run, dropped after; None when unreachable."""
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"accord_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        print(f"PostgreSQL bench skipped, {POSTGRES_URL} unreachable: {error}", file=sys.stderr)
        admin.dispose()
        yield None
        return
    try:
        yield str(sa.make_url(POSTGRES_URL).set(database=name).render_as_string(False))
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _result(
    store: str, events: int, baseline: str, raw_seconds: float, timings: tuple[float, float, float]
) -> dict[str, Any]:
    ingest_s, apply_s, total_s = timings
    rate, raw_rate = events / total_s, events / raw_seconds
    return {
        "name": f"event log ingest+apply, {events:,} events, {store}",
        "value": round(rate),
        "unit": "events/s",
        "baseline": baseline,
        "baseline_value": round(raw_rate),
        "ratio": round(rate / raw_rate, 3),
        "notes": (
            f"ingest (parse+validate+append) {ingest_s:.2f} s, "
            f"apply (worker: stale+reference checks, upserts, outbox, checkpoint) "
            f"{apply_s:.2f} s, baseline {raw_seconds:.2f} s"
        ),
    }


def run(events: int = EVENTS, postgres_events: int = POSTGRES_EVENTS) -> list[dict[str, Any]]:
    lines = _events(events)
    with tempfile.TemporaryDirectory() as scratch:
        raw_seconds = _raw_executemany(Path(scratch) / "raw.sqlite", lines)
        url = f"sqlite:///{Path(scratch) / 'accord.sqlite'}"
        timings = _ingest_and_apply(Path(scratch), url, lines)
    results = [
        _result(
            "SQLite",
            events,
            "raw sqlite3 executemany of the same inbound rows",
            raw_seconds,
            timings,
        )
    ]
    if postgres_events:
        lines = lines[:postgres_events]
        with _scratch_postgres() as postgres, tempfile.TemporaryDirectory() as scratch:
            if postgres is not None:
                copy_seconds = _raw_copy(postgres, lines)
                timings = _ingest_and_apply(Path(scratch), postgres, lines)
                results.append(
                    _result(
                        "PostgreSQL",
                        len(lines),
                        "psycopg COPY of the same inbound rows",
                        copy_seconds,
                        timings,
                    )
                )
    return results


if __name__ == "__main__":
    for result in run():
        print(json.dumps(result, indent=2))
