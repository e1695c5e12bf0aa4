"""Several worker processes share one PostgreSQL backlog: each event applied once.

Workers claim with `FOR UPDATE SKIP LOCKED` and apply under the apply-sequence lock, so
they split the backlog, never apply an event twice, keep stale detection exact, and a
reader following `applied_seq` sees every committed change even when batches commit
out of log order.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.adapters.billing_store import SqlAlchemyAppliedRecords
from accord.application.ports import EventStatus
from accord.bootstrap import Hub, build_hub
from accord.settings import Settings
from tests.integration.eventlog.eventlog_factory import master_data, time_entries
from tests.integration.scaleout.cluster import WAIT

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PROCESS = Path(__file__).with_name("_hub_worker.py")
ENTRIES = 1_500
REVISIONS = 2
BACKLOG = ENTRIES * REVISIONS


@pytest.fixture
def hub(postgres_url: str, tmp_path: Path) -> Iterator[Hub]:
    """A hub on a fresh database whose master data is applied and whose backlog holds
    every revision of every time entry, shuffled so older revisions often come late."""
    built = build_hub(Settings(home=tmp_path, database_url=postgres_url))
    built.ingest.ingest_lines(master_data())
    built.worker.run_once()
    backlog = time_entries(ENTRIES, revisions=REVISIONS)
    random.Random(11).shuffle(backlog)
    assert built.ingest.ingest_lines(backlog).accepted == BACKLOG
    yield built
    built.close()


class Workers:
    """Worker processes started together on one backlog."""

    def __init__(self, tmp_path: Path, url: str, nats: tuple[str, str] | None = None) -> None:
        self._dir = tmp_path
        self._url = url
        self._nats = list(nats or ())
        self._start = tmp_path / "start"
        self.processes: dict[str, subprocess.Popen[str]] = {}

    def marker(self, name: str) -> Path:
        return self._dir / f"{name}.paused"

    def spawn(self, name: str, pause_batch: int = 0) -> None:
        args = [self._url, name, str(self._start), str(pause_batch), str(self.marker(name))]
        self.processes[name] = subprocess.Popen(
            [sys.executable, str(PROCESS), *args, *self._nats], stdout=subprocess.PIPE, text=True
        )

    def start(self) -> None:
        deadline = time.monotonic() + WAIT
        for name in self.processes:
            ready = Path(f"{self.marker(name)}.ready")
            while not ready.exists():
                assert time.monotonic() < deadline, f"worker {name} never became ready"
                time.sleep(0.02)
        self._start.write_text("go")

    def wait_paused(self, name: str) -> None:
        deadline = time.monotonic() + WAIT
        while not self.marker(name).exists():
            assert self.processes[name].poll() is None, f"{name} ended before its pause"
            assert time.monotonic() < deadline, f"{name} never reached its paused batch"
            time.sleep(0.02)

    def kill(self, name: str) -> None:
        os.kill(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait(timeout=10)

    def results(self, *names: str) -> dict[str, dict[str, int]]:
        found = {}
        for name in names:
            out, _ = self.processes[name].communicate(timeout=2 * WAIT)
            assert self.processes[name].returncode == 0, f"worker {name} failed"
            found[name] = json.loads(out.strip().splitlines()[-1])
        return found


class Tail(threading.Thread):
    """A reader following `applied_seq > checkpoint` while the workers commit, the way
    billing's projector does; it remembers the last version it saw per key."""

    def __init__(self, hub: Hub) -> None:
        super().__init__(daemon=True)
        self._records = SqlAlchemyAppliedRecords(hub.engine)
        self.checkpoint = 0
        self.seen: dict[str, str] = {}
        self.stop = threading.Event()

    def read(self) -> int:
        batch = self._records.changed_since(self.checkpoint, 200)
        for record in batch:
            if record.kind == "time_entry":
                self.seen[record.key] = json.loads(record.data)["hours"]
        if batch:
            self.checkpoint = batch[-1].applied_seq
        return len(batch)

    def run(self) -> None:
        while not self.stop.is_set():
            if self.read() == 0:
                time.sleep(0.001)


def final_hours(hub: Hub) -> dict[str, str]:
    with hub.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT key, data FROM business_objects WHERE kind = 'time_entry'"
        )
        return {key: json.loads(data)["hours"] for key, data in rows}


def outbox_ids(hub: Hub) -> list[str]:
    with hub.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT event_id FROM outbox WHERE type = 'accord.time_entry.applied.v1'"
        )
        return [event_id for (event_id,) in rows]


async def _stream_count(nats_url: str, namespace: str) -> int:
    import nats

    client = await nats.connect(nats_url)
    try:
        jetstream = client.jetstream()
        info = await jetstream.stream_info(f"{namespace.upper()}_ACCORD_TIME_ENTRY")
        for stream in await jetstream.streams_info():
            name = stream.config.name or ""
            if name.startswith(namespace.upper()):
                await jetstream.delete_stream(name)
        return int(info.state.messages)
    finally:
        await client.close()


@pytest.mark.nats
def test_two_workers_share_one_backlog_and_apply_each_event_once(
    hub: Hub, postgres_url: str, nats_url: str, tmp_path: Path
) -> None:
    namespace = f"t{uuid.uuid4().hex[:10]}"
    workers = Workers(tmp_path, postgres_url, nats=(nats_url, namespace))
    workers.spawn("worker-a")
    workers.spawn("worker-b")
    tail = Tail(hub)
    tail.start()
    workers.start()
    results = workers.results("worker-a", "worker-b")
    tail.stop.set()
    tail.join(timeout=10)
    while tail.read():  # what committed after the tail's last poll
        pass

    assert results["worker-a"]["processed"] > 0 and results["worker-b"]["processed"] > 0
    assert results["worker-a"]["processed"] + results["worker-b"]["processed"] == BACKLOG
    counts = hub.status().counts
    applied = counts[EventStatus.APPLIED] - 2  # the contract and the resource
    assert applied + counts[EventStatus.STALE] == BACKLOG
    assert counts[EventStatus.PENDING] == counts[EventStatus.QUARANTINED] == 0
    latest = {f"TE-{entry}": f"{REVISIONS}.5" for entry in range(ENTRIES)}
    assert final_hours(hub) == latest  # no older revision overwrote a newer one
    assert tail.seen == latest  # nothing committed late was skipped by the reader
    ids = outbox_ids(hub)
    assert len(ids) == len(set(ids)) == applied
    assert asyncio.run(_stream_count(nats_url, namespace)) == applied
    checkpoints = hub.status().checkpoints
    assert checkpoints["worker-a"] > 0 and checkpoints["worker-b"] > 0


def test_a_worker_killed_mid_batch_leaves_its_events_to_the_other(
    hub: Hub, postgres_url: str, tmp_path: Path
) -> None:
    workers = Workers(tmp_path, postgres_url)
    workers.spawn("worker-a", pause_batch=3)
    workers.spawn("worker-b")
    workers.start()
    workers.wait_paused("worker-a")
    workers.kill("worker-a")
    [survivor] = workers.results("worker-b").values()

    # worker-a committed two batches of 100; its third died with it, uncommitted.
    assert survivor["processed"] == BACKLOG - 200
    status = hub.status()
    assert status.backlog == 0 and status.counts[EventStatus.QUARANTINED] == 0
    applied = status.counts[EventStatus.APPLIED] - 2
    assert applied + status.counts[EventStatus.STALE] == BACKLOG
    assert final_hours(hub) == {f"TE-{entry}": f"{REVISIONS}.5" for entry in range(ENTRIES)}
    ids = outbox_ids(hub)
    assert len(ids) == len(set(ids)) == applied
