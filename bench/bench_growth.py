"""Growth: the cost of a scheduler tick and of a month-end invoice run as history grows.

For each N of ACCORD_BENCH_GROWTH_SIZES (default 10,000, 100,000, 1,000,000) a store on
SQLite and one on PostgreSQL (a scratch database per size) are seeded with N historical
approved entries, already invoiced, spread over ACCORD_BENCH_GROWTH_CONTRACTS contracts
(default 200) and the past year: master data through the hub's own path, the history
written in bulk as the hub's path would have written it (`bench/_bulk_history.py`,
10,000 events per transaction). Then, timed, each in a fresh process whose peak
resident memory is its own high-water mark (VmHWM):

- one scheduler tick with 100 new approved entries: pull, apply, billing catch-up;
- the month-end invoice run for the contract those entries belong to.

Each figure is reported against the same figure with the smallest N of the same run; the
goal is the largest N within 1.5x of the smallest. Seeding a size is abandoned after
ACCORD_BENCH_GROWTH_SEED_SECONDS (default 600), and not started when the smaller size's
seeding, scaled linearly, already exceeds that budget (seeding costs at least linear
time): such a size gets a row saying so instead of a figure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from bench._growth_step import NEW_ENTRIES
from bench._stores import scratch_store

SIZES = tuple(
    int(size)
    for size in os.environ.get("ACCORD_BENCH_GROWTH_SIZES", "10000,100000,1000000").split(",")
)
CONTRACTS = int(os.environ.get("ACCORD_BENCH_GROWTH_CONTRACTS", "200"))
SEED_SECONDS = float(os.environ.get("ACCORD_BENCH_GROWTH_SEED_SECONDS", "600"))
STEP_SECONDS = 3_600
"""A measured step that runs this long is broken, not slow."""
ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.5
BACKENDS = ("SQLite", "PostgreSQL")
MEASURED = {
    "tick": f"scheduler tick (pull, apply, billing catch-up) with {NEW_ENTRIES} new entries",
    "invoice": f"month-end invoice run for one contract ({NEW_ENTRIES} new entries)",
}
console = Console(stderr=True)


@dataclass(frozen=True)
class Step:
    seconds: float
    rss_mib: float
    peak_mib: float
    detail: str


@dataclass(frozen=True)
class Size:
    """One size on one backend: its measured steps, or why it was skipped."""

    history: int
    seed_seconds: float
    steps: dict[str, Step]
    skipped: str = ""


class SeedOverBudget(Exception):
    pass


def _step(name: str, url: str, home: Path, history: int, timeout: float) -> Step:
    command = [sys.executable, "-m", "bench._growth_step", name, url, str(home)]
    command += [str(history), str(CONTRACTS)]
    try:
        done = subprocess.run(
            command, cwd=ROOT, stdout=subprocess.PIPE, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as expired:
        raise SeedOverBudget(name) from expired
    if done.returncode != 0:
        raise RuntimeError(f"growth step {name} ({history:,} entries) exited {done.returncode}")
    return Step(**json.loads(done.stdout.decode().strip().splitlines()[-1]))


def _measure(backend: str, history: int, budget: float) -> Size | None:
    with scratch_store(backend) as store:
        if store is None:
            return None
        url, home = store
        console.print(f"  {backend} {history:,}: seeding (budget {budget:,.0f} s)")
        try:
            seeded = _step("seed", url, home, history, budget)
        except SeedOverBudget:
            return Size(history, budget, {}, f"seeding {history:,} entries took > {budget:,.0f} s")
        console.print(f"  {backend} {history:,}: seeded in {seeded.seconds:,.1f} s; measuring")
        steps = {name: _step(name, url, home, history, STEP_SECONDS) for name in MEASURED}
        for name, step in steps.items():
            console.print(
                f"  {backend} {history:,}: {name} {step.seconds:.2f} s, "
                f"peak {step.peak_mib:,.0f} MiB"
            )
        return Size(history, seeded.seconds, steps)


def _backend(backend: str, sizes: tuple[int, ...], seed_seconds: float) -> list[Size] | None:
    """Every size, smallest first; a size the smaller one's seeding rate says cannot be
    seeded within `seed_seconds` is skipped without trying."""
    measured: list[Size] = []
    for history in sorted(sizes):
        last = measured[-1] if measured else None
        if last is not None and (
            last.skipped or last.seed_seconds * history / last.history > seed_seconds
        ):
            projected = last.seed_seconds * history / last.history
            reason = last.skipped or f"seeding {last.history:,} took {last.seed_seconds:,.1f} s"
            skipped = f"{reason}, so {history:,} would take > {seed_seconds:,.0f} s"
            console.print(f"  {backend} {history:,}: skipped, {skipped}")
            measured.append(Size(history, projected, {}, skipped))
            continue
        size = _measure(backend, history, seed_seconds)
        if size is None:
            console.print(f"  {backend}: unreachable, skipped")
            return None
        measured.append(size)
    return measured


def _row(backend: str, name: str, size: Size, base: Size) -> dict[str, Any]:
    title = f"growth: {MEASURED[name]}, {size.history:,} historical entries, {backend}"
    baseline = f"the same with {base.history:,} historical entries, same run"
    reference = base.steps[name].seconds
    if size.skipped:
        notes = f"skipped: {size.skipped} on this build's billing store"
        return {
            "name": title,
            "value": 0.0,
            "unit": "s",
            "baseline": baseline,
            "baseline_value": reference,
            "ratio": 0.0,
            "notes": notes,
        }
    step = size.steps[name]
    verdict = "within" if step.seconds <= GOAL * reference else "over"
    notes = (
        f"{verdict} the goal of {GOAL}x; peak memory {step.peak_mib:,.0f} MiB "
        f"({step.rss_mib:,.0f} MiB before the step); {step.detail}; {CONTRACTS:,} contracts, "
        f"history seeded in {size.seed_seconds:,.0f} s"
    )
    return {
        "name": title,
        "value": step.seconds,
        "unit": "s",
        "baseline": baseline,
        "baseline_value": reference,
        "ratio": step.seconds / reference,
        "notes": notes,
    }


def run(
    sizes: tuple[int, ...] = SIZES,
    backends: tuple[str, ...] = BACKENDS,
    seed_seconds: float = SEED_SECONDS,
) -> list[dict[str, Any]]:
    """The growth rows for `sizes` on `backends`, each size's seeding within
    `seed_seconds`."""
    rows = []
    for backend in backends:
        measured = _backend(backend, sizes, seed_seconds)
        if not measured:
            continue
        if measured[0].skipped:
            console.print(f"  {backend}: no figures, the smallest size: {measured[0].skipped}")
            continue
        for name in MEASURED:
            rows += [_row(backend, name, size, measured[0]) for size in measured]
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
