"""The scaled-out hub as separate processes: api, two workers and a scheduler on one
PostgreSQL database and NATS, sharing one sandbox landscape.

A contract goes from signature to posted invoices while one worker is SIGKILLed in the
middle of posting; the other worker takes its flows over and every effect reaches each
system exactly once. Two schedulers never lead at once.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from accord.adapters.locks import lock_key
from accord.cli.roles import LEADER_LOCK
from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.firm import generate_firm
from accord.connectors.sandbox.generic_systems import populate_landscape
from accord.connectors.sandbox.landscape import Landscape
from tests.integration.scaleout.cluster import WAIT, Cluster, approve_january_time, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.nats, pytest.mark.slow]

CONTRACTS = 4
ENTRIES_PER_CONTRACT = 3
ENTRIES = CONTRACTS * ENTRIES_PER_CONTRACT
WORKERS = ("worker-a", "worker-b")
SCHEDULERS = ("scheduler-a", "scheduler-b")


@pytest.fixture
def landscape(tmp_path: Path) -> Iterator[Landscape]:
    """A small firm in a landscape on a frozen clock: four contracts, twelve approved
    time entries in January."""
    clock = SandboxClock(start=dt.datetime(2026, 1, 20, tzinfo=dt.UTC))
    with Landscape(tmp_path / "sandbox", clock=clock) as running:
        firm = generate_firm(seed=7, consultants=6, customers=2, contracts=CONTRACTS)
        populate_landscape(running.url, firm)
        approve_january_time(running.url, firm, ENTRIES_PER_CONTRACT)
        yield running


@pytest.fixture
def cluster(
    tmp_path: Path, postgres_url: str, nats_url: str, landscape: Landscape
) -> Iterator[Cluster]:
    running = Cluster(tmp_path, postgres_url, nats_url, landscape)
    yield running
    running.stop()


def _posting_executors(cluster: Cluster) -> dict[str, list[str]]:
    rows = cluster.rows(
        "SELECT executor_id, workflow_uuid FROM dbos.workflow_status "
        "WHERE status = 'PENDING' AND workflow_uuid LIKE 'post:%'"
    )
    found: dict[str, list[str]] = {}
    for executor, workflow in rows:
        found.setdefault(executor, []).append(workflow)
    return found


def _all_posted(cluster: Cluster) -> bool:
    documents = cluster.documents()
    busy = cluster.scalar(
        "SELECT count(*) FROM dbos.workflow_status WHERE status IN ('PENDING', 'ENQUEUED')"
    )
    return bool(documents) and busy == 0 and set(documents.values()) == {"posted"}


def _listing(landscape: Landscape, path: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = httpx.get(
        f"{landscape.url}{path}", params={"limit": 1000}, timeout=10
    ).json()["items"]
    return items


def test_a_contract_reaches_posted_invoices_once_though_a_worker_dies_mid_posting(
    cluster: Cluster, landscape: Landscape
) -> None:
    cluster.start("scheduler", "scheduler")
    for worker in WORKERS:
        cluster.start("worker", worker)
    api = cluster.start_api()
    token = cluster.api_key()

    applied = "SELECT count(*) FROM business_objects WHERE kind = :kind"
    wait_until(lambda: cluster.scalar(applied, kind="time_entry") == ENTRIES, WAIT, "time applied")
    activated = (
        "SELECT count(*) FROM dbos.workflow_status "
        "WHERE status = 'SUCCESS' AND workflow_uuid LIKE 'activate:%'"
    )
    wait_until(lambda: cluster.scalar(activated) == CONTRACTS, WAIT, "every contract activated")
    wait_until(lambda: cluster.entries_in_billing() == ENTRIES, WAIT, "time approved in billing")

    landscape.inject("erp", {"kind": "latency", "latency_ms": 1500, "path": "/invoices"})
    started = httpx.post(
        f"{api}/api/v1/invoice-runs",
        json={"through": "2026-01-31"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert started.status_code == 202, started.text
    busy = wait_until(lambda: _posting_executors(cluster), WAIT, "postings in progress", every=0.05)
    victim = max(busy, key=lambda executor: len(busy[executor]))
    cluster.kill(victim)
    taken_over = busy[victim]

    wait_until(lambda: _all_posted(cluster), WAIT, "every document posted")
    survivor = next(worker for worker in WORKERS if worker != victim)
    # The victim may have picked up more flows between the snapshot and the kill, so the
    # survivor took over at least the ones seen in flight.
    took_over = re.findall(rf"took over (\d+) flows of {victim}", cluster.log(survivor).read_text())
    assert sum(map(int, took_over)) >= len(taken_over), took_over
    finished = cluster.rows(
        "SELECT status, executor_id FROM dbos.workflow_status WHERE workflow_uuid = ANY(:ids)",
        ids=taken_over,
    )
    assert {status for status, _ in finished} == {"SUCCESS"}
    assert {executor for _, executor in finished} == {survivor}

    hub_documents = cluster.documents()
    invoices = [number for number in hub_documents if number.startswith("INV")]
    assert invoices, "the invoice run issued invoices"
    erp_numbers = [str(d["number"]) for d in _listing(landscape, "/erp/documents")]
    assert sorted(erp_numbers) == sorted(hub_documents), "each document reaches the ERP once"
    billing_keys = [str(d["external_id"]) for d in _listing(landscape, "/billing/documents")]
    assert len(billing_keys) == len(set(billing_keys)) == len(hub_documents)
    invoiced = httpx.get(f"{landscape.url}/psa/invoiced_entries/count", timeout=10).json()
    assert invoiced["count"] == cluster.billed_entries() == 9  # the fixed-fee one's are not
    # The scheduler keeps pulling (the hub's own writes echo back), so wait for the
    # worker to catch up before saying nothing is left pending.
    pending = "SELECT count(*) FROM inbound_events WHERE status = 'pending'"
    wait_until(lambda: cluster.scalar(pending) == 0, WAIT, "the worker to apply every event")
    status = cluster.rows("SELECT status, count(*) FROM inbound_events GROUP BY status")
    assert {name for name, _ in status} <= {"applied", "stale"}, "nothing quarantined"


def test_two_schedulers_never_lead_at_once_and_the_standby_takes_over(
    cluster: Cluster,
) -> None:
    cluster.start("scheduler", "scheduler-a")
    wait_until(lambda: cluster.logged("scheduler-a", "leading"), WAIT, "scheduler-a leading")
    cluster.start("scheduler", "scheduler-b")
    wait_until(lambda: cluster.logged("scheduler-b", "standing by"), WAIT, "scheduler-b waiting")

    key = lock_key(LEADER_LOCK) & 0xFFFF_FFFF_FFFF_FFFF
    # Advisory locks belong to a database: other hubs on the same server hold their own.
    holders = (
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1"
    )
    for _ in range(6):  # both run for a few seconds: one leader, one holder of the lock
        leaders = [name for name in SCHEDULERS if cluster.logged(name, "leading")]
        assert leaders == ["scheduler-a"]
        assert cluster.scalar(holders, high=key >> 32, low=key & 0xFFFF_FFFF) == 1
        assert cluster.alive("scheduler-b")
        time.sleep(0.5)

    cluster.kill("scheduler-a")
    wait_until(lambda: cluster.logged("scheduler-b", "leading"), WAIT, "scheduler-b leading")
