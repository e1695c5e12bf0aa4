"""Scale-out: 1, 2 and 4 event-worker processes applying one PostgreSQL backlog.

The backlog (the master data applied, then ACCORD_BENCH_SCALE_EVENTS time-entry events
pending, default 100,000) is built once, untimed, and every run gets a fresh copy. The
workers (`bench/_scale_worker.py`, separate processes) connect, then start together and
apply batches of 1,000 until nothing is pending: claims are `FOR UPDATE SKIP LOCKED`,
effects commit under the apply-sequence lock (see docs/event-log.md). The figure is
backlog / (last commit of any worker - start); the baseline is the one-worker figure of
the same run. Each worker count runs ACCORD_BENCH_SCALE_ROUNDS times (default 3),
interleaved, and its best run counts. The database server runs on the same machine and
shares its cores.

The same runs give the per-core efficiency: events per CPU-second of the workers (each
worker's own user + system time from the start to its end, summed), against the single
worker's; the goal is at least 0.9, i.e. adding workers adds no contention. The server's
CPU is not counted: on this machine it shares the workers' cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from accord.application.ports import EventStatus
from accord.bootstrap import build_hub
from accord.settings import Settings
from bench.bench_ingest import _events, _scratch_postgres

EVENTS = int(os.environ.get("ACCORD_BENCH_SCALE_EVENTS", "100000"))
WORKER_COUNTS = (1, 2, 4)
BATCH = 1_000
ROOT = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("ACCORD_BENCH_SCALE_ROUNDS", "3"))
START_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Run:
    workers: int
    rate: float
    seconds: float
    shares: list[int]
    cpu_seconds: float
    """The workers' CPU time (user + system) for the run, summed."""

    @property
    def per_cpu_second(self) -> float:
        return sum(self.shares) / self.cpu_seconds


def _backlog(url: str, home: Path, lines: list[str]) -> int:
    """Apply the master data, then leave the time entries pending; returns the backlog."""
    hub = build_hub(Settings(home=home, database_url=url))
    try:
        master, entries = lines[:2], lines[2:]
        hub.ingest.ingest_lines(master)
        hub.worker.run_once()
        hub.ingest.ingest_lines(entries)
        return hub.status().backlog
    finally:
        hub.close()


def _check_applied(url: str, home: Path, expected: int) -> None:
    hub = build_hub(Settings(home=home, database_url=url))
    try:
        counts = hub.status().counts
    finally:
        hub.close()
    applied = counts[EventStatus.APPLIED] - 2
    if applied != expected or counts[EventStatus.PENDING]:
        raise RuntimeError(f"scale bench applied {applied} of {expected}: {counts}")


def _apply_with(workers: int, url: str, scratch: Path) -> tuple[float, list[int], float]:
    """Start `workers` processes on the backlog; seconds to drain it, events per worker,
    the workers' CPU-seconds."""
    start = scratch / "start"
    processes = []
    for n in range(workers):
        ready = scratch / f"worker-{n}.ready"
        args = [url, f"worker-{n}", str(start), str(ready), str(BATCH)]
        command = [sys.executable, "-m", "bench._scale_worker", *args]
        processes.append((ready, subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)))
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    for ready, process in processes:
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"scale worker did not start (exit {process.returncode})")
            time.sleep(0.01)
    started = time.time()
    start.write_text("go")
    reports = []
    for _, process in processes:
        out, _ = process.communicate(timeout=600)
        if process.returncode != 0:
            raise RuntimeError(f"scale worker failed with exit {process.returncode}")
        reports.append(json.loads(out.decode().strip().splitlines()[-1]))
    finished = max(report["finished"] for report in reports)
    cpu = sum(report["cpu"] for report in reports)
    return finished - started, [report["processed"] for report in reports], cpu


@contextmanager
def _template(lines: list[str]) -> Iterator[tuple[sa.Engine, str]]:
    """A database holding the backlog, built once and copied for every run (CREATE
    DATABASE ... TEMPLATE copies files, far faster than ingesting again)."""
    with _scratch_postgres() as url, tempfile.TemporaryDirectory() as scratch:
        if url is None:
            raise RuntimeError("the scale bench needs PostgreSQL (ACCORD_BENCH_POSTGRES_URL)")
        backlog = _backlog(url, Path(scratch), lines)
        if backlog != len(lines) - 2:
            raise RuntimeError(f"the backlog holds {backlog} events, not {len(lines) - 2}")
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            yield admin, sa.make_url(url).database or ""
        finally:
            admin.dispose()


def measure(workers: int, admin: sa.Engine, template: str, backlog: int) -> Run:
    """Apply a fresh copy of the backlog with `workers` processes."""
    name = f"{template}_{workers}w_{uuid.uuid4().hex[:6]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            seconds, shares, cpu = _apply_with(workers, url, Path(scratch))
            _check_applied(url, Path(scratch), backlog)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return Run(workers, backlog / seconds, seconds, shares, cpu)


def run(events: int = EVENTS, rounds: int = ROUNDS) -> list[dict[str, Any]]:
    """Every worker count `rounds` times, interleaved, so a burst of other load on the
    machine hits all counts alike; each count's best run is reported."""
    lines = _events(events + 2)
    runs: list[Run] = []
    with _template(lines) as (admin, template):
        for _ in range(rounds):
            runs += [measure(n, admin, template, events) for n in WORKER_COUNTS]
    return _speed_ups(runs, events, rounds) + _efficiency(runs, events, rounds)


def _speed_ups(runs: list[Run], events: int, rounds: int) -> list[dict[str, Any]]:
    best = {
        n: max((r for r in runs if r.workers == n), key=lambda r: r.rate) for n in WORKER_COUNTS
    }
    baseline = best[1].rate
    rows = []
    for workers, chosen in best.items():
        all_rates = ", ".join(f"{r.rate:,.0f}" for r in runs if r.workers == workers)
        rows.append(
            {
                "name": f"scale: {workers} worker process(es), {events:,} events, PostgreSQL",
                "value": chosen.rate,
                "unit": "events/s",
                "baseline": "1 worker process, same backlog, same run",
                "baseline_value": baseline,
                "ratio": chosen.rate / baseline,
                "notes": (
                    f"best of {rounds} runs ({all_rates} events/s): {chosen.seconds:.2f} s, "
                    f"events per worker {chosen.shares}; batches of {BATCH:,}; "
                    f"{os.cpu_count()} cores shared by the workers and PostgreSQL"
                ),
            }
        )
    return rows


def _efficiency(runs: list[Run], events: int, rounds: int) -> list[dict[str, Any]]:
    """Events per CPU-second of the workers, each count's best run, against one worker's."""
    best = {
        n: max((r for r in runs if r.workers == n), key=lambda r: r.per_cpu_second)
        for n in WORKER_COUNTS
    }
    baseline = best[1].per_cpu_second
    rows = []
    for workers, chosen in best.items():
        each = ", ".join(f"{r.per_cpu_second:,.0f}" for r in runs if r.workers == workers)
        rows.append(
            {
                "name": f"workers: events per CPU-second, {workers} worker process(es), "
                f"{events:,} events, PostgreSQL",
                "value": chosen.per_cpu_second,
                "unit": "events/CPU-s",
                "baseline": "1 worker process, same backlog, same run",
                "baseline_value": baseline,
                "ratio": chosen.per_cpu_second / baseline,
                "notes": (
                    f"goal >= 0.9; best of {rounds} runs ({each} events/CPU-s): "
                    f"{chosen.cpu_seconds:.2f} CPU-s of the workers (own getrusage, user + "
                    f"system) in {chosen.seconds:.2f} s; the PostgreSQL server's CPU is not "
                    f"counted; {os.cpu_count()} cores shared by the workers and PostgreSQL"
                ),
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
