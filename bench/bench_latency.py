"""Latency: webhook acknowledgement under steady load, and approval to posted invoice.

Webhook acknowledgement. The hub's API runs in its own process (`bench/_webhook_server.py`:
the app `accord up` serves, on the embedded SQLite store, with the worker applying once a
second). This process is the load generator, on loopback: an open-loop schedule of
ACCORD_BENCH_WEBHOOK_RATE requests per second (default 80) for ACCORD_BENCH_WEBHOOK_SECONDS
(default 40), alternating a signed time-entry webhook (HMAC-SHA256, a new event and
signature each) and `GET /healthz`. A request's latency runs from its scheduled send time
to its response (so a stalled server is not hidden by a stalled sender); the first 5 s
are warm-up and not counted. The baseline is /healthz (liveness plus a status query of
the store) on the same server under the same load, in the same run.

Approval to posted. The real hub on the sandbox landscape with a simulated clock, time
entries approved in the sandbox PSA at ACCORD_BENCH_APPROVAL_RATE per second (default 4)
for ACCORD_BENCH_APPROVAL_SECONDS (default 60); per entry, the real time from the PSA's
acknowledgement of the approval to the ERP's acknowledgement of the post of the invoice
that bills it, entries approved in the first 10 s not counted. Baseline: the round trip
of the ERP `post_invoice` calls of the same run. What runs in between and why is in
`bench/_approval_to_posted.py`.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import quantiles
from typing import Any

import httpx

from accord.application.webhooks import SIGNATURE_HEADER, sign
from bench._approval_to_posted import CLOCK_SPEED, approval_to_posted

RATE = float(os.environ.get("ACCORD_BENCH_WEBHOOK_RATE", "80"))
SECONDS = float(os.environ.get("ACCORD_BENCH_WEBHOOK_SECONDS", "40"))
WARM_UP_SECONDS = 5.0
APPROVAL_RATE = float(os.environ.get("ACCORD_BENCH_APPROVAL_RATE", "4"))
APPROVAL_SECONDS = float(os.environ.get("ACCORD_BENCH_APPROVAL_SECONDS", "60"))
APPROVAL_WARM_UP_SECONDS = 10.0
SECRET = "whsec-bench-3c1f7a"
ROOT = Path(__file__).resolve().parents[1]


def percentile(samples: list[float], q: int) -> float:
    """The q-th percentile (1..99) of `samples`, inclusive method."""
    if len(samples) == 1:
        return samples[0]
    return quantiles(samples, n=100, method="inclusive")[q - 1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _time_entry(n: int) -> bytes:
    data = {
        "id": f"WH-{n}",
        "contract": "K1",
        "term": "TM",
        "resource": "R1",
        "date": "2026-03-02",
        "hours": "7.5",
        "version": 1,
    }
    event = {
        "specversion": "1.0",
        "id": f"wh-{n}",
        "source": "psa",
        "type": "accord.time_entry.v1",
        "data": data,
    }
    return json.dumps(event).encode()


@dataclass
class Samples:
    webhook: list[float] = field(default_factory=list)
    healthz: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


async def _send(client: httpx.AsyncClient, n: int, due: float, counted: bool, out: Samples) -> None:
    if n % 2 == 0:
        body = _time_entry(n)
        headers = {
            "Content-Type": "application/cloudevents+json",
            SIGNATURE_HEADER: sign(SECRET, body, int(time.time())),
        }
        response = await client.post("/api/v1/webhooks/psa", content=body, headers=headers)
        target, expected = out.webhook, 202
    else:
        response = await client.get("/healthz")
        target, expected = out.healthz, 200
    elapsed = time.perf_counter() - due
    if response.status_code != expected:
        out.failures.append(f"{response.status_code} {response.text[:200]}")
    elif counted:
        target.append(elapsed)


async def _load(url: str, rate: float, seconds: float, warm_up: float) -> Samples:
    out = Samples()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        tasks = []
        start = time.perf_counter() + 0.1
        for n in range(int(rate * seconds)):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            counted = n / rate >= warm_up
            tasks.append(asyncio.create_task(_send(client, n, due, counted, out)))
        await asyncio.gather(*tasks)
    return out


def _serve(home: Path, port: int) -> subprocess.Popen[bytes]:
    secrets = home / "webhook-secrets.json"
    secrets.write_text(json.dumps({"psa": SECRET}))
    env = os.environ | {"ACCORD_WEBHOOK_SECRETS": str(secrets), "ACCORD_HOME": str(home)}
    command = [sys.executable, "-m", "bench._webhook_server", str(home), str(port)]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the webhook server exited with {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.kill()
    raise RuntimeError("the webhook server did not answer /healthz within 60 s")


def webhook_latency(
    rate: float = RATE, seconds: float = SECONDS, warm_up: float = WARM_UP_SECONDS
) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as scratch:
        port = _free_port()
        server = _serve(Path(scratch), port)
        try:
            samples = asyncio.run(_load(f"http://127.0.0.1:{port}", rate, seconds, warm_up))
        finally:
            server.terminate()
            server.wait(timeout=30)
    if samples.failures:
        raise RuntimeError(f"{len(samples.failures)} requests failed: {samples.failures[:3]}")
    load = (
        f"{rate:g} requests/s for {seconds:g} s (half signed webhooks, half /healthz), "
        f"open loop from a second process on loopback; {len(samples.webhook)} webhooks and "
        f"{len(samples.healthz)} /healthz counted after {warm_up:g} s warm-up"
    )
    rows = []
    for q in (50, 99):
        value = percentile(samples.webhook, q) * 1000
        base = percentile(samples.healthz, q) * 1000
        rows.append(
            {
                "name": f"latency: webhook acknowledgement p{q} (signed, logged, 202)",
                "value": value,
                "unit": "ms",
                "baseline": f"GET /healthz p{q}, same server, same load",
                "baseline_value": base,
                "ratio": value / base,
                "notes": load,
            }
        )
    return rows


def approval_latency(
    rate: float = APPROVAL_RATE,
    seconds: float = APPROVAL_SECONDS,
    warm_up: float = APPROVAL_WARM_UP_SECONDS,
) -> list[dict[str, Any]]:
    measured = approval_to_posted(rate, seconds, warm_up)
    notes = (
        f"{rate:g} approvals/s in the sandbox PSA for {seconds:g} s, {measured.approved} "
        f"approved, {len(measured.latencies)} counted after {warm_up:g} s "
        f"warm-up; hub cycle = scheduler tick (pull, apply, billing catch-up) + invoice run "
        f"+ posting flows, then a 1 s wait as in accord up ({measured.cycles} cycles); "
        f"SQLite store, DBOS on SQLite, sandbox clock at {CLOCK_SPEED:,.0f}x; "
        f"{len(measured.round_trips)} ERP posts"
    )
    rows = []
    for q in (50, 99):
        value = percentile(measured.latencies, q)
        base = percentile(measured.round_trips, q)
        rows.append(
            {
                "name": f"latency: approval in PSA to invoice posted in ERP p{q}",
                "value": value * 1000,
                "unit": "ms",
                "baseline": f"ERP post_invoice round trip p{q}, same run",
                "baseline_value": base * 1000,
                "ratio": value / base,
                "notes": notes,
            }
        )
    return rows


def run() -> list[dict[str, Any]]:
    return webhook_latency() + approval_latency()


if __name__ == "__main__":
    for row in run():
        print(row)
