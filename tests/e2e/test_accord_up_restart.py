"""`accord up` interrupted and killed with many flows waiting on an ERP outage restarts
promptly and posts every waiting document once.

The hub runs with its sandbox landscape's generic systems; the ERP starts refusing
postings once every contract is activated (its listings stay readable for the test), so
the month-end invoice run leaves one posting flow per document parked on the outage.
Interrupted with Ctrl-C, the hub exits within seconds (its flows parked for up to an
hour must not hold it), and the restarted one carries on from the sandbox's clock rather
than going back. That one recovers the parked flows with the ERP down again and is
SIGKILLed; the ERP is back when it restarts (the outage lived in the killed process's
sandbox), and the restarted hub must answer /healthz within seconds while it recovers
those flows in the background, then post each stranded document exactly once. One home
goes through both stops, so the firm's activation and month-end run are played once.
"""

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
from pathlib import Path
from typing import Any

import httpx
import pytest

FAST = ("--speed", "86400", "--allow-lost-changes")
"""A simulated day a second, above the speed the sandbox's feed retention allows: these
tests wait for a month end, not for every change to arrive."""

HEALTHY_WITHIN_SECONDS = 60.0
"""A start on a fresh home, or a restart with dozens of flows to recover: a few seconds
on an idle machine, 20 s and more on a busy one; a hub that recovered its flows before
serving would take minutes."""
EXITS_WITHIN_SECONDS = 15.0
"""Ctrl-C with flows parked: ~3 s on an idle machine, ~10 s on a busy one."""
CONTRACTS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningHub:
    """One `accord up` process on a home that outlives it."""

    def __init__(self, home: Path, port: int, log: Path, landscape: Path) -> None:
        env = os.environ | {"ACCORD_HOME": str(home), "ACCORD_CONFIG": str(landscape)}
        for name in ("ACCORD_DATABASE_URL", "ACCORD_NATS_URL"):
            env.pop(name, None)
        self.log = log
        self.started = time.monotonic()
        self.base = f"http://127.0.0.1:{port}"
        # Late January: the month-end invoice run comes a few (simulated) days in.
        command = ["up", "--port", str(port), "--start", "2026-01-26", *FAST]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "accord.cli", *command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )

    def healthy_after(self, within: float) -> float:
        deadline = self.started + within
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return time.monotonic() - self.started
            except httpx.TransportError:
                pass
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            time.sleep(0.2)
        raise AssertionError(f"/healthz did not answer within {within} s")

    def sandbox(self) -> str:
        """The landscape's address from the banner (printed just after /healthz answers)."""
        deadline = time.monotonic() + HEALTHY_WITHIN_SECONDS
        while not (match := re.search(r"Sandbox: (http://[\d.:]+)", self.log.read_text())):
            assert time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(0.2)
        return match.group(1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def interrupt(self) -> float:
        """Ctrl-C; how long the process took to exit."""
        interrupted = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            raise AssertionError("accord up did not exit within 120 s of Ctrl-C") from None
        return time.monotonic() - interrupted

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)


@pytest.fixture
def hubs(tmp_path: Path) -> Iterator[Callable[[str], RunningHub]]:
    started: list[RunningHub] = []
    generic = tmp_path / "landscape.yaml"  # the outage is the generic ERP's
    generic.write_text("version: 1\nsandbox: {vendors: false}\n")

    def start(name: str) -> RunningHub:
        hub = RunningHub(tmp_path / "home", _free_port(), tmp_path / f"{name}.log", generic)
        started.append(hub)
        return hub

    yield start
    for hub in started:
        hub.stop()


def _read(url: str, params: dict[str, Any]) -> dict[str, Any]:
    """A sandbox read, waited out while the ERP throttles (it allows 5 requests at once)."""
    for _ in range(100):
        response = httpx.get(url, params=params, timeout=30)
        if response.status_code != 429:
            response.raise_for_status()
            return dict(response.json())
        time.sleep(0.1)
    raise AssertionError(f"{url} kept throttling")


def _items(sandbox: str, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 1000} | ({"page": page} if page else {})
        body = _read(f"{sandbox}{path}", params)
        items.extend(body["items"])
        if not (page := body.get("next_page")):
            return items


def _numbers(sandbox: str, system: str) -> list[str]:
    return [item["number"] for item in _items(sandbox, f"/{system}/documents")]


def _until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def _unfinished_flows(home: Path) -> int:
    """Flows pending, or queued again by a restart's recovery."""
    with sqlite3.connect(home / "flows.sqlite") as db:
        row = db.execute(
            "select count(*) from workflow_status where status in ('PENDING', 'ENQUEUED')"
        )
        return int(row.fetchone()[0])


def _take_erp_postings_down(sandbox: str) -> None:
    """An ERP outage for postings (its listings stay readable); it lives in the
    sandbox of the process that serves it."""
    for postings in ("/invoices", "/credit-notes", "/prepayments"):
        outage = {"kind": "unavailable", "path": postings}
        httpx.post(f"{sandbox}/erp/_sandbox/faults", json=outage).raise_for_status()


def _park_month_end_on_an_erp_outage(hub: RunningHub, home: Path) -> tuple[set[str], int]:
    """Once every contract is active, take the ERP's posting endpoints down and let the
    month-end run park its postings; the documents stranded and the flows pending."""
    sandbox = hub.sandbox()
    _until(
        lambda: len(_items(sandbox, "/erp/projects")) == CONTRACTS, 180, "every contract activated"
    )
    _take_erp_postings_down(sandbox)

    def waiting() -> set[str]:
        return set(_numbers(sandbox, "billing")) - set(_numbers(sandbox, "erp"))

    _until(lambda: len(waiting()) >= 20, 180, "documents waiting on the ERP outage")
    time.sleep(2)  # let the rest of the month-end run reach billing and park
    return waiting(), _unfinished_flows(home)


def _posted_once_after_restart(hub: RunningHub, stranded: set[str]) -> None:
    sandbox = hub.sandbox()
    _until(lambda: stranded <= set(_numbers(sandbox, "erp")), 180, "the stranded postings")
    posted = _numbers(sandbox, "erp")
    assert len(posted) == len(set(posted)), "no document reaches the ERP twice"
    assert stranded <= set(_numbers(sandbox, "billing"))


def _sandbox_now(hub: RunningHub) -> str:
    return str(httpx.get(f"{hub.sandbox()}/_sandbox/clock", timeout=10).json()["now"])


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_interrupted_then_killed_with_parked_flows_the_hub_restarts_at_once_and_posts_each_once(
    hubs: Callable[[str], RunningHub], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    first = hubs("first")
    first.healthy_after(HEALTHY_WITHIN_SECONDS)
    stranded, _ = _park_month_end_on_an_erp_outage(first, home)
    last_seen = _sandbox_now(first)

    exited_after = first.interrupt()
    print(f"{len(stranded)} stranded documents; exited {exited_after:.1f} s after Ctrl-C")
    assert exited_after < EXITS_WITHIN_SECONDS
    assert first.process.returncode in (0, 130), first.log.read_text()[-3000:]  # 130: Ctrl-C
    assert _unfinished_flows(home) >= len(stranded), "parked flows stay pending"

    # The restart after Ctrl-C recovers the parked flows; with the ERP down again they
    # stay parked (a retry only parks them anew) when this hub is SIGKILLed.
    second = hubs("second")
    second.healthy_after(HEALTHY_WITHIN_SECONDS)
    _take_erp_postings_down(second.sandbox())
    assert _sandbox_now(second) >= last_seen, "the sandbox clock resumes, never runs back"
    second.kill()
    unfinished = _unfinished_flows(home)
    assert unfinished >= len(stranded), "the recovered flows stay unfinished"

    third = hubs("third")
    healthy_after = third.healthy_after(HEALTHY_WITHIN_SECONDS)
    print(f"{unfinished} unfinished flows; /healthz after {healthy_after:.1f} s")
    _posted_once_after_restart(third, stranded)
