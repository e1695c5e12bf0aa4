"""A scaled-out hub for tests: `accord up --role ...` processes on one PostgreSQL
database and NATS, sharing a sandbox landscape the test serves and steers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.connectors.sandbox.firm import GeneratedFirm
from accord.connectors.sandbox.landscape import Landscape


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


WAIT = 240.0
"""The cap on a wait for something the cluster does (a process up, work applied, a
takeover): seconds on an idle machine; each process start alone can take 20 s on a
busy one, so the cap only says the thing happens, not how fast."""


def wait_until(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    """Poll `condition` until it returns something truthy; fail naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Cluster:
    """Starts and stops the processes of one scaled-out hub."""

    def __init__(
        self,
        tmp_path: Path,
        database_url: str,
        nats_url: str,
        landscape: Landscape,
        env: Mapping[str, str] | None = None,
    ):
        """`env` adds to every process's environment (a landscape file, its secrets);
        without a landscape file, the processes play the sandbox's generic systems, which
        the tests load and read."""
        self._dir = tmp_path
        self.database_url = database_url
        generic = tmp_path / "generic-landscape.yaml"
        generic.write_text("version: 1\nsandbox: {vendors: false}\n")
        self._env = os.environ | {
            "ACCORD_CONFIG": str(generic),
            "ACCORD_DATABASE_URL": database_url,
            "ACCORD_NATS_URL": nats_url,
            "ACCORD_SANDBOX_URL": landscape.url,
            "ACCORD_LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.engine = sa.create_engine(database_url)

    def log(self, name: str) -> Path:
        return self._dir / f"{name}.log"

    def start(self, role: str, name: str, *args: str) -> None:
        env = self._env | {"ACCORD_HOME": str(self._dir / name)}
        command = [sys.executable, "-m", "accord.cli", "up", "--role", role, "--name", name]
        self.processes[name] = subprocess.Popen(
            [*command, *args], env=env, stdout=subprocess.DEVNULL, stderr=self.log(name).open("w")
        )

    def start_api(self, name: str = "api") -> str:
        port = free_port()
        self.start("api", name, "--port", str(port))
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _healthy(base), WAIT, "the API's /healthz")
        return base

    def kill(self, name: str) -> None:
        """SIGKILL: no clean-up, no goodbye; its locks go with its connections."""
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(timeout=10)

    def alive(self, name: str) -> bool:
        return self.processes[name].poll() is None

    def logged(self, name: str, text: str) -> bool:
        return text in self.log(name).read_text(errors="replace")

    def api_key(self, role: str = "billing") -> str:
        env = self._env | {"ACCORD_HOME": str(self._dir / "keys")}
        created = subprocess.run(
            [sys.executable, "-m", "accord.cli", "keys", "create", "tests", "--role", role],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return created.stdout.strip().splitlines()[-1]

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))

    def documents(self) -> dict[str, str]:
        """The hub's documents and their status, from the billing state."""
        book, _ = SqlAlchemyBillingStateStore(self.engine).load()
        if book is None:
            return {}
        documents = book.state.ledger.documents
        return {number: str(document.status) for number, document in documents.items()}

    def entries_in_billing(self) -> int:
        """Time entries billing holds, billed or not."""
        book, _ = SqlAlchemyBillingStateStore(self.engine).load()
        return sum(map(len, book.state.time_entries.values())) if book else 0

    def billed_entries(self) -> int:
        """Time entries the hub billed on a document."""
        book, _ = SqlAlchemyBillingStateStore(self.engine).load()
        entries = book.state.ledger.entries.values() if book else ()
        return sum(1 for entry in entries if entry.invoice)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.engine.dispose()


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def approve_january_time(url: str, firm: GeneratedFirm, days: int) -> None:
    """Each contract's first staffed consultant logs `days` full days from 12 January in
    the sandbox PSA, each entry its contract's first term, approved as the PSA submits."""
    with httpx.Client(base_url=url, timeout=10) as http:
        for contract in firm.contracts:
            for day in range(days):
                entry = {
                    "project": contract["id"],
                    "user_id": firm.staffing[contract["id"]][0],
                    "date_performed": f"2026-01-{12 + day:02d}",
                    "time_in_minutes": 480,
                    "term": contract["terms"][0]["id"],
                    "external_reference": f"T-{contract['id']}-{day}",
                }
                http.post("/psa/time_entries", json=entry).raise_for_status()
