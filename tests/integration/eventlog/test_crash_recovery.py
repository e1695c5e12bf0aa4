"""SIGKILL in the middle of a batch loses no effect and applies none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from accord.application.ports import EventStatus
from accord.bootstrap import Hub
from tests.integration.eventlog.eventlog_factory import master_data, time_entries

PROCESS = Path(__file__).with_name("_worker_proc.py")


def _kill_mid_batch(args: list[str], marker: Path) -> None:
    process = subprocess.Popen([sys.executable, str(PROCESS), *args])
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, "the process ended before reaching the paused batch"
        assert time.monotonic() < deadline, "the process never reached the paused batch"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _run(args: list[str]) -> None:
    subprocess.run([sys.executable, str(PROCESS), *args], check=True, timeout=120)


@pytest.mark.slow
def test_worker_killed_mid_batch_and_restarted_applies_every_event_once(
    hub: Hub, database_url: str, tmp_path: Path
) -> None:
    hub.ingest.ingest_lines(master_data() + time_entries(1_200, revisions=2))
    marker = tmp_path / "paused"

    _kill_mid_batch(["worker", database_url, "3", str(marker)], marker)
    in_flight = hub.status()
    assert in_flight.counts[EventStatus.APPLIED] == 1_000  # two batches committed
    _run(["worker", database_url, "0", str(marker)])

    status = hub.status()
    assert status.counts[EventStatus.APPLIED] == 2_402
    assert status.backlog == 0
    with hub.unit_of_work() as uow:
        assert uow.objects.count("time_entry") == 1_200
        assert len(uow.outbox.unpublished(10_000)) == 2_402
        assert uow.checkpoints.get("event-worker") == 2_402


@pytest.mark.slow
@pytest.mark.nats
def test_relay_killed_between_ack_and_mark_publishes_each_event_once(
    hub: Hub, database_url: str, tmp_path: Path, nats_url: str
) -> None:
    import asyncio

    import nats

    hub.ingest.ingest_lines(master_data() + time_entries(1_498))
    hub.worker.run_once()
    namespace = f"t{uuid.uuid4().hex[:10]}"
    marker = tmp_path / "paused"

    _kill_mid_batch(["relay", database_url, "2", str(marker), nats_url, namespace], marker)
    assert hub.status().outbox_unpublished == 1_000  # batch two was acked, never marked
    _run(["relay", database_url, "0", str(marker), nats_url, namespace])

    async def stream_messages() -> tuple[int, int]:
        client = await nats.connect(nats_url)
        try:
            jetstream = client.jetstream()
            info = await jetstream.stream_info(f"{namespace.upper()}_ACCORD_TIME_ENTRY")
            other = await jetstream.stream_info(f"{namespace.upper()}_ACCORD_CONTRACT")
            for name in (info.config.name, other.config.name):
                await jetstream.delete_stream(name)
            return info.state.messages, other.state.messages
        finally:
            await client.close()

    assert asyncio.run(stream_messages()) == (1_498, 1)
    assert hub.status().outbox_unpublished == 0
