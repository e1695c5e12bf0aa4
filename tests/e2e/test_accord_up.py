"""`accord up` (what `make run` starts) serves /healthz quickly and the landscape lives."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def running_hub(tmp_path: Path) -> Iterator[tuple[str, Path, float]]:
    port = _free_port()
    env = os.environ | {"ACCORD_HOME": str(tmp_path / "home"), "ACCORD_HTTP_PORT": str(port)}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "accord.cli", "up"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "up.log").open("w"),
    )
    try:
        yield f"http://127.0.0.1:{port}", tmp_path / "home", started
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for(url: str, deadline: float) -> httpx.Response:
    while time.monotonic() < deadline:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in time")


@pytest.mark.slow
def test_the_hub_is_healthy_within_30_seconds_and_the_landscape_produces_work(
    running_hub: tuple[str, Path, float],
) -> None:
    base, home, started = running_hub
    health = _wait_for(f"{base}/healthz", started + 30)
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert time.monotonic() - started < 30

    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{home / 'accord.sqlite'}")
    deadline = time.monotonic() + 60
    applied = contracts = 0
    while time.monotonic() < deadline and not (applied and contracts):
        with engine.connect() as conn:
            applied = conn.execute(
                sa.text("select count(*) from business_objects where kind = 'time_entry'")
            ).scalar_one()
            contracts = conn.execute(
                sa.text("select count(*) from business_objects where kind = 'contract'")
            ).scalar_one()
        time.sleep(1)
    engine.dispose()
    assert contracts == 60, "the generated firm's 60 contracts reach the hub"
    assert applied > 0, "approved time from the sandbox PSA reaches the hub within a minute"
