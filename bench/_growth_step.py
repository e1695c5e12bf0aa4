"""One step of the growth bench in its own process: `python -m bench._growth_step STEP URL
HOME HISTORY CONTRACTS`, STEP one of seed, tick, invoice.

- seed: master data through the hub's ingest and apply path and caught up by billing,
  then HISTORY approved entries of the past year logged, applied, billed and invoiced
  through the last historical month, written in bulk (`bench/_bulk_history.py`: the rows
  the hub's path writes, made by the same code), so the store holds a firm's billed
  history. Untimed by the parent, except against its budget.
- tick: what the scheduler's tick does with 100 new approved entries: pull them from a
  stream (cursor kept), apply the log, billing catch-up. Timed.
- invoice: the month-end invoice run for the one contract those entries belong to. Timed.

It prints one JSON line: seconds, the process's resident memory before the step and its
peak (the kernel's high-water mark of this process alone), so each size's figure is its
own and neither an earlier size nor the parent process pollutes it.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from accord.application.inbound_sync import SourceStream
from accord.bootstrap import Hub, build_inbound
from accord.canonical import v1
from accord.canonical.streams import Cursor, Page
from bench import _bulk_history, _firm

PEOPLE = 500
NEW_ENTRIES = 100
HISTORY_FROM = date(2025, 1, 1)
HISTORY_DAYS = 365
HISTORY_THROUGH = date(2025, 12, 31)
MONTH_END = date(2026, 1, 31)
MEASURED = _firm.contract_id(0)


@dataclass
class NewTime:
    """The PSA's stream of approved time: the new month's entries of the measured contract."""

    records: list[v1.TimeEntry]
    name: str = "time_entries"

    def read(self, cursor: Cursor | None, limit: int) -> Page[v1.TimeEntry]:
        start = int(cursor or 0)
        page = self.records[start : start + limit]
        end = start + len(page)
        return Page(page, Cursor(str(end)), end < len(self.records))


def _memory_mib(field: str) -> float:
    """A figure of /proc/self/status: VmRSS, resident now; VmHWM, the peak of this
    process's own memory. getrusage's ru_maxrss would not do: Linux hands a child its
    parent's peak across fork and exec, so in a full `make bench` every step reported
    the peak of the benchmark process that ran the billing bench before it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


Verify = Callable[[], str]
"""Checks a step's outcome after its timing and describes it."""


def seed(hub: Hub, history: int, contracts: int) -> Verify:
    _firm.load(hub, _firm.master_data(contracts, PEOPLE))
    _firm.configure_tax(hub)
    hub.billing.catch_up()
    entries = _firm.entries(history, contracts, PEOPLE, HISTORY_FROM, HISTORY_DAYS)
    issued = _bulk_history.seed(hub, entries, HISTORY_THROUGH)
    return lambda: f"{history:,} entries billed on {issued:,} documents"


def tick(hub: Hub, history: int, contracts: int) -> Verify:
    new = [
        _firm.time_entry("N", n, MEASURED, PEOPLE, date(2026, 1, 1 + n % 31))
        for n in range(NEW_ENTRIES)
    ]
    stream = SourceStream("psa", NewTime(new))
    pulled = build_inbound(hub, [stream]).pull().accepted
    applied = hub.worker.run_once()
    problems = hub.billing.catch_up().problems

    def verify() -> str:
        if pulled != NEW_ENTRIES or applied != NEW_ENTRIES or problems:
            raise RuntimeError(f"tick pulled {pulled}, applied {applied}: {problems}")
        return f"{pulled} entries pulled, applied and caught up"

    return verify


def invoice(hub: Hub, history: int, contracts: int) -> Verify:
    documents = hub.billing.run_invoices(MONTH_END, MEASURED).documents

    def verify() -> str:
        billed = [e for d in documents for e in hub.billing.entries_billed_on(d.number)]
        if len(documents) != 1 or len(billed) != NEW_ENTRIES:
            raise RuntimeError(f"month end: {len(documents)} documents, {len(billed)} entries")
        return f"1 invoice of {len(billed)} entries"

    return verify


STEPS = {"seed": seed, "tick": tick, "invoice": invoice}


def main(step: str, url: str, home: str, history: str, contracts: str) -> None:
    hub = _firm.open_hub(url, Path(home))
    try:
        before = _memory_mib("VmRSS")
        started = time.perf_counter()
        verify = STEPS[step](hub, int(history), int(contracts))
        seconds = time.perf_counter() - started
        peak = _memory_mib("VmHWM")
        detail = verify()
    finally:
        hub.close()
    report = {"seconds": seconds, "rss_mib": before, "peak_mib": peak, "detail": detail}
    print(json.dumps(report))


if __name__ == "__main__":
    main(*sys.argv[1:])
