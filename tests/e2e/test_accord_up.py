"""`accord up` (what `make run` starts) serves /healthz soon, the landscape lives, and
Ctrl-C stops it within seconds while it works (a month-end run's documents posting).

The default landscape is the sandbox's vendor simulators: time the firm logs and has
approved in Kantata OX is billed on the month-end invoices, which reach NetSuite;
both are read back through the vendors' own APIs (Kantata `/api/v1`, SuiteQL)."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from accord.connectors.kantata import connector_factory as kantata_connector
from accord.connectors.netsuite import connector_factory as netsuite_connector
from accord.connectors.sandbox.vendors import VENDOR_SETTINGS

FAST = ("--speed", "86400", "--allow-lost-changes")
"""A simulated day a second, above the speed the sandbox's feed retention allows: these
tests wait for a month end, not for every change to arrive."""

HEALTHY_WITHIN_SECONDS = 60.0
"""A fresh home's start (imports, migrations, the sandbox firm): seconds on an idle
machine, more on a busy one; the cap says the hub answers long before it is done."""
EXITS_WITHIN_SECONDS = 15.0
"""Ctrl-C stops the hub after the batch, step or request in hand: ~3-10 s measured."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Hub:
    base: str
    home: Path
    started: float
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture
def running_hub(tmp_path: Path) -> Iterator[Hub]:
    port = _free_port()
    env = os.environ | {"ACCORD_HOME": str(tmp_path / "home"), "ACCORD_HTTP_PORT": str(port)}
    for name in ("ACCORD_DATABASE_URL", "ACCORD_NATS_URL"):
        env.pop(name, None)
    started = time.monotonic()
    log = tmp_path / "up.log"
    # Late January: the month-end invoice run comes a few (simulated) days in.
    process = subprocess.Popen(
        [sys.executable, "-m", "accord.cli", "up", "--start", "2026-01-26", *FAST],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        yield Hub(f"http://127.0.0.1:{port}", tmp_path / "home", started, process, log)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)


def _wait_for(url: str, deadline: float) -> httpx.Response:
    while time.monotonic() < deadline:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in time")


def _invoice_runs_started(home: Path) -> int:
    try:
        with sqlite3.connect(home / "flows.sqlite", timeout=5) as db:
            row = db.execute(
                "select count(*) from workflow_status where workflow_uuid like 'invoice-run:%'"
            ).fetchone()
    except sqlite3.Error:  # not created yet
        return 0
    return int(row[0])


def _sandbox(log: Path) -> str:
    """The landscape's address from the banner (printed once /healthz answers)."""
    found = re.search(r"Sandbox: (http://[\d.:]+)", log.read_text())
    assert found, log.read_text()[-3000:]
    return found.group(1)


def _billed_in_kantata_and_posted_in_netsuite(sandbox: str) -> set[str]:
    """The invoices Kantata holds for approved time (Accord's `invoice` references on
    its invoices) that NetSuite holds too."""
    psa = kantata_connector({"base_url": f"{sandbox}/kantata", **VENDOR_SETTINGS["kantata"]})
    erp = netsuite_connector({"base_url": f"{sandbox}/netsuite", **VENDOR_SETTINGS["netsuite"]})
    try:
        body = psa.session.get("/invoices", include="external_references", per_page=200)
        billed = {
            str(ref["service_model_ref"])
            for ref in body.get("external_references", {}).values()
            if ref.get("service_model") == "invoice"
        }
        query = "SELECT tranid FROM transaction WHERE type = 'CustInvc'"
        posted = {str(row["tranid"]) for row in erp.session.suiteql(query)}
    finally:
        psa.close()
        erp.close()
    return billed & posted


def _until(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {seconds} s waiting for {what}"
        time.sleep(0.2)


@pytest.mark.slow
def test_the_hub_is_healthy_soon_produces_work_and_stops_within_seconds_of_ctrl_c(
    running_hub: Hub,
) -> None:
    hub = running_hub
    health = _wait_for(f"{hub.base}/healthz", hub.started + HEALTHY_WITHIN_SECONDS)
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}

    engine = sa.create_engine(f"sqlite:///{hub.home / 'accord.sqlite'}")

    def count(kind: str) -> int:
        with engine.connect() as conn:
            query = sa.text("select count(*) from business_objects where kind = :kind")
            return int(conn.execute(query, {"kind": kind}).scalar_one())

    _until(lambda: count("contract") == 60, 120, "the generated firm's 60 contracts")
    _until(lambda: count("time_entry"), 120, "approved time from Kantata")
    engine.dispose()
    _until(lambda: _invoice_runs_started(hub.home), 120, "the month-end invoice run")
    sandbox = _sandbox(hub.log)
    _until(
        lambda: _billed_in_kantata_and_posted_in_netsuite(sandbox),
        180,
        "an invoice of Kantata time posted in NetSuite",
    )

    # Ctrl-C while the hub works: the month-end run's documents are posting, flows
    # write back to Kantata and Salesforce, the scheduler applies events.
    interrupted = time.monotonic()
    hub.process.send_signal(signal.SIGINT)
    try:
        hub.process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        raise AssertionError("accord up did not exit within 120 s of Ctrl-C") from None
    exited_after = time.monotonic() - interrupted
    print(f"exited {exited_after:.1f} s after Ctrl-C during the month-end run")
    assert hub.process.returncode in (0, 130), hub.log.read_text()[-3000:]  # 130: Ctrl-C
    assert exited_after < EXITS_WITHIN_SECONDS, hub.log.read_text()[-3000:]
