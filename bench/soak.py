"""`make soak`: the scaled-out hub under sustained activity, faults and killed workers.

For SOAK_MINUTES (default 5) the sandbox firm works at high speed while a scheduler and
SOAK_WORKERS worker processes (default 2) run on a fresh PostgreSQL database and NATS.
Every few seconds a random fault is injected through the sandbox fault API (outages,
throttling, server errors, latency, duplicated and reordered feeds) and now and then a
worker is SIGKILLed and restarted. Then the faults stop, the generator stops, the hub
drains, reconciliation runs, and the run passes only if reconciliation finds nothing and
every effect in every system matches the generator's ledger of what it produced.

    SOAK_MINUTES=3 make soak          # or: .venv/bin/python -m bench.soak
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.adapters.store import create_store_engine, migrate
from accord.bootstrap import build_hub, build_services, remote_sandbox_connectors
from accord.connectors.sandbox.clock import SandboxClock
from accord.connectors.sandbox.generator import ActivityGenerator
from accord.connectors.sandbox.landscape import SYSTEMS, Landscape
from accord.settings import Settings

console = Console()
ADMIN_URL = os.environ.get(
    "ACCORD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NATS_URL = os.environ.get("ACCORD_TEST_NATS_URL", "nats://127.0.0.1:4222")
SETTLED = ("posted", "partially_paid", "paid", "credited")


@dataclass(frozen=True)
class SoakConfig:
    minutes: float = float(os.environ.get("SOAK_MINUTES", "5"))
    workers: int = int(os.environ.get("SOAK_WORKERS", "2"))
    speed: float = float(os.environ.get("SOAK_SPEED", "21600"))  # six hours a second
    seed: int = int(os.environ.get("SOAK_SEED", "42"))
    fault_every: float = 4.0
    kill_every: float = 20.0


@contextmanager
def fresh_database() -> Iterator[str]:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"accord_soak_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Processes:
    """The hub's `accord up --role ...` processes, each logging to its own file."""

    def __init__(self, workdir: Path, database_url: str, sandbox_url: str) -> None:
        self._dir = workdir
        generic = workdir / "landscape.yaml"  # the soak compares the generic systems
        generic.write_text("version: 1\nsandbox: {vendors: false}\n")
        self._env = os.environ | {
            "ACCORD_CONFIG": str(generic),
            "ACCORD_DATABASE_URL": database_url,
            "ACCORD_NATS_URL": NATS_URL,
            "ACCORD_SANDBOX_URL": sandbox_url,
            "ACCORD_LOG_LEVEL": "WARNING",
        }
        self._roles: dict[str, str] = {}
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, role: str, name: str) -> None:
        self._roles[name] = role
        log = (self._dir / f"{name}.log").open("a")
        command = [sys.executable, "-m", "accord.cli", "up", "--role", role, "--name", name]
        self.running[name] = subprocess.Popen(
            command,
            env=self._env | {"ACCORD_HOME": str(self._dir / name)},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )

    def kill(self, name: str) -> None:
        self.running[name].send_signal(signal.SIGKILL)
        self.running[name].wait(timeout=10)

    def revive(self) -> list[str]:
        """Restart every process that is not running (under its own name)."""
        dead = [name for name, process in self.running.items() if process.poll() is not None]
        for name in dead:
            self.start(self._roles[name], name)
        return dead

    def stop(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass
class Chaos:
    """Random faults through the sandbox fault API and SIGKILLs of workers."""

    landscape: Landscape
    processes: Processes
    workers: list[str]
    rng: random.Random
    counts: dict[str, int] = field(default_factory=lambda: {"faults": 0, "kills": 0})

    def fault(self) -> None:
        system = self.rng.choice(SYSTEMS)
        until = self.landscape.clock.now() + dt.timedelta(hours=self.rng.randint(4, 36))
        stamp = until.isoformat().replace("+00:00", "Z")
        fault = self.rng.choice(
            [
                {"kind": "unavailable", "until": stamp},
                {"kind": "throttle", "count": self.rng.randint(3, 20)},
                {"kind": "error_rate", "rate": 0.3, "until": stamp},
                {"kind": "latency", "latency_ms": self.rng.randint(50, 400), "until": stamp},
                {"kind": "duplicate", "rate": 0.5, "until": stamp},
                {"kind": "reorder", "rate": 0.5, "until": stamp},
            ]
        )
        httpx.post(f"{self.landscape.url}/{system}/_sandbox/faults", json=fault, timeout=10)
        self.counts["faults"] += 1

    def kill_worker(self) -> None:
        name = self.rng.choice(self.workers)
        if self.processes.running[name].poll() is None:
            self.processes.kill(name)
            self.counts["kills"] += 1

    def calm(self) -> None:
        for system in SYSTEMS:
            httpx.delete(f"{self.landscape.url}/{system}/_sandbox/faults", timeout=10)


class HubView:
    """What the hub's store says, read straight from PostgreSQL."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_store_engine(database_url)
        migrate(self.engine)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def objects(self, kind: str) -> int:
        found = self.scalar("SELECT count(*) FROM business_objects WHERE kind = :k", k=kind)
        return int(found or 0)

    def busy(self) -> int:
        pending = "SELECT count(*) FROM inbound_events WHERE status = 'pending'"
        flows = "SELECT count(*) FROM dbos.workflow_status WHERE status IN ('PENDING','ENQUEUED')"
        return int(self.scalar(pending) or 0) + int(self.scalar(flows) or 0)

    def state(self) -> dict[str, Any]:
        """What is still moving: events by status, flows by status, unsettled documents."""
        with self.engine.connect() as conn:
            events = dict(
                conn.execute(
                    sa.text("SELECT status, count(*) FROM inbound_events GROUP BY status")
                ).all()
            )
            flows = dict(
                conn.execute(
                    sa.text("SELECT status, count(*) FROM dbos.workflow_status GROUP BY status")
                ).all()
            )
            stuck = [
                row[0]
                for row in conn.execute(
                    sa.text(
                        "SELECT workflow_uuid FROM dbos.workflow_status "
                        "WHERE status IN ('PENDING', 'ENQUEUED', 'ERROR') LIMIT 5"
                    )
                )
            ]
            open_exceptions = dict(
                conn.execute(
                    sa.text(
                        "SELECT kind, count(*) FROM exceptions WHERE status = 'open' GROUP BY kind"
                    )
                ).all()
            )
        unsettled = [n for n, s in self.documents().items() if s not in SETTLED]
        return {
            "events": events,
            "flows": flows,
            "stuck flows": stuck,
            "open exceptions": open_exceptions,
            "unsettled documents": unsettled[:5],
            "time entries": self.objects("time_entry"),
            "payments": self.objects("payment"),
        }

    def documents(self) -> dict[str, str]:
        book, _ = SqlAlchemyBillingStateStore(self.engine).load()
        documents = book.state.ledger.documents if book else {}
        return {number: str(document.status) for number, document in documents.items()}

    def billed_entries(self) -> int:
        book, _ = SqlAlchemyBillingStateStore(self.engine).load()
        return sum(1 for e in (book.state.ledger.entries.values() if book else ()) if e.invoice)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"soak: timed out waiting for {what}")
        time.sleep(1)


def settle(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(2)
    return True


def soak_loop(config: SoakConfig, chaos: Chaos, hub: HubView, processes: Processes) -> None:
    """The fixed-time phase: activity, faults and kills, with a progress bar."""
    total = config.minutes * 60
    started = time.monotonic()
    next_fault = next_kill = started
    columns = (TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("soak", total=total)
        while (elapsed := time.monotonic() - started) < total:
            now = time.monotonic()
            if now >= next_fault:
                chaos.fault()
                next_fault = now + chaos.rng.uniform(0.5, 1.5) * config.fault_every
            if now >= next_kill:
                chaos.kill_worker()
                next_kill = now + chaos.rng.uniform(0.5, 1.5) * config.kill_every
            processes.revive()
            documents = hub.documents()
            progress.update(
                task,
                completed=elapsed,
                description=(
                    f"{chaos.landscape.clock.now():%Y-%m-%d}  time {hub.objects('time_entry')}"
                    f"  docs {len(documents)}  faults {chaos.counts['faults']}"
                    f"  kills {chaos.counts['kills']}"
                ),
            )
            time.sleep(1)


def drained(hub: HubView, ledger: dict[str, list[str]]) -> bool:
    """Nothing pending, every document settled, and the hub has read all the firm did."""
    caught_up = hub.objects("time_entry") == len(set(ledger["time_entries"])) and hub.objects(
        "payment"
    ) == len(set(ledger["payments"]))
    documents = hub.documents().values()
    return caught_up and hub.busy() == 0 and all(status in SETTLED for status in documents)


def counted(landscape: Landscape, system: str, path: str) -> list[dict[str, Any]]:
    from accord.connectors.sandbox.common import all_items, client_from_config

    config = {"base_url": landscape.base_url(system)}
    with client_from_config(config, f"soak-{system}") as client:
        return list(all_items(client, path))


def compare(
    landscape: Landscape, hub: HubView, ledger: dict[str, list[str]]
) -> list[tuple[str, ...]]:
    """One row per effect: what the generator produced or the hub decided, and what each
    system holds."""
    documents = hub.documents()
    invoiced = httpx.get(f"{landscape.url}/psa/invoiced_entries/count", timeout=10).json()
    payments = len(set(ledger["payments"]))
    rows = [
        ("time entries", len(set(ledger["time_entries"])), hub.objects("time_entry")),
        ("expenses", len(set(ledger["expenses"])), hub.objects("expense")),
        ("payments read by the hub", payments, hub.objects("payment")),
        ("payments in the ERP", payments, len(counted(landscape, "erp", "/payments"))),
        ("payments mirrored to billing", payments, len(counted(landscape, "billing", "/payments"))),
        (
            "payments mirrored to the CRM",
            payments,
            len(counted(landscape, "crm", "/sobjects/Payment__c")),
        ),
        ("documents in the ERP", len(documents), len(counted(landscape, "erp", "/documents"))),
        ("documents in billing", len(documents), len(counted(landscape, "billing", "/documents"))),
        ("entries invoiced in the PSA", hub.billed_entries(), int(invoiced["count"])),
    ]
    return [(name, str(expected), str(actual)) for name, expected, actual in rows]


def reconcile(landscape: Landscape, database_url: str, workdir: Path) -> int:
    hub = build_hub(Settings(home=workdir / "reconcile", database_url=database_url))
    services = build_services(hub, remote_sandbox_connectors(landscape.url), landscape.clock.now)
    report = services.reconciliation.run(landscape.clock.now().date())
    kinds = Counter((d.comparison, str(d.kind)) for d in report.discrepancies)
    examples = {(d.comparison, str(d.kind)): d.key for d in report.discrepancies}
    for (comparison, kind), count in sorted(kinds.items()):
        example = examples[(comparison, kind)]
        console.print(f"[red]{count} discrepancies[/red] {comparison} {kind}, e.g. {example}")
    hub.close()
    return len(report.discrepancies)


def run(config: SoakConfig) -> bool:
    rng = random.Random(config.seed)
    with fresh_database() as database_url, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        clock = SandboxClock(start=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
        landscape = Landscape(workdir / "sandbox", clock=clock).start()
        generator = ActivityGenerator(
            landscape.clock, landscape.firm_systems(vendors=False), seed=config.seed
        )
        generator.load()
        hub = HubView(database_url)
        processes = Processes(workdir, database_url, landscape.url)
        workers = [f"worker-{n}" for n in range(1, config.workers + 1)]
        for name in ["scheduler", *workers]:
            processes.start("scheduler" if name == "scheduler" else "worker", name)
        try:
            console.print(f"soak: {config}; logs in {workdir}")
            wait_for(lambda: hub.objects("contract") == len(generator.firm.contracts), 120, "firm")
            generator.start(config.speed)
            chaos = Chaos(landscape, processes, workers, rng)
            soak_loop(config, chaos, hub, processes)
            generator.stop()
            chaos.calm()
            processes.revive()
            console.print("soak: faults off, activity stopped; draining")
            if not settle(lambda: drained(hub, generator.ledger), 300):
                console.print(f"[red]soak: the hub did not drain[/red]: {hub.state()}")
            return report(
                landscape, hub, generator, chaos, reconcile(landscape, database_url, workdir)
            )
        finally:
            processes.stop()
            landscape.stop()
            hub.engine.dispose()


def report(
    landscape: Landscape,
    hub: HubView,
    generator: ActivityGenerator,
    chaos: Chaos,
    discrepancies: int,
) -> bool:
    table = Table(title="soak: effects against the generator's ledger")
    for column in ("effect", "expected", "found"):
        table.add_column(column)
    rows = compare(landscape, hub, generator.ledger)
    for row in rows:
        table.add_row(*row, style="green" if row[1] == row[2] else "red")
    console.print(table)
    console.print(
        f"generator: {dict(generator.counts)}; chaos: {chaos.counts}; "
        f"reconciliation discrepancies: {discrepancies}"
    )
    ok = discrepancies == 0 and all(row[1] == row[2] for row in rows)
    console.print("[green]soak passed[/green]" if ok else "[red]soak FAILED[/red]")
    return ok


if __name__ == "__main__":
    sys.exit(0 if run(SoakConfig()) else 1)
