"""A stopping hub stops its work between batches: catch-up, the tick and the hub loop
end after the batch in hand, and the loop's stop is bounded even when a batch is not."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from accord.application.billing import BillingService, CatchUp
from accord.loops.hub_process import HubProcess, Intervals
from accord.loops.scheduler import Scheduler
from tests.unit.billing.test_payment_feedback_due import _payment
from tests.unit.kpis.fakes import FakeAppliedRecords, FakeBillingStore, FakeClock, seeded_reports


def test_catch_up_stops_after_the_batch_in_hand_and_the_next_goes_on_from_it() -> None:
    store = FakeBillingStore(seeded_reports().billing.book())
    records = FakeAppliedRecords([_payment(1, 1), _payment(2, 2), _payment(3, 3)])
    billing = BillingService(store, records, clock=FakeClock(), batch_size=1)
    batches: list[int] = []

    def stopping() -> bool:
        batches.append(1)
        return len(batches) > 1  # stop once the first batch is saved

    billing.catch_up(stopping)
    assert billing.payments_to_feed_back() == ("PAY-1",)

    billing.catch_up()
    assert billing.payments_to_feed_back() == ("PAY-1", "PAY-2", "PAY-3")


class BatchesOfWork:
    """An event worker with `pending` batches to apply."""

    def __init__(self, pending: int) -> None:
        self.pending = pending
        self.applied = 0

    def run_once(self, max_events: int | None = None, stopping: Any = None) -> int:
        while self.pending and not (stopping and stopping()):
            self.pending -= 1
            self.applied += 1
        return 0


def _scheduler(worker: BatchesOfWork, started: list[str]) -> Scheduler:
    def signed_contracts() -> dict[str, object]:
        started.append("flows")
        return {}

    nothing = SimpleNamespace(
        pull=lambda _stopping=None: SimpleNamespace(accepted=0),
        catch_up=lambda _stopping=None: CatchUp(),
        signed_contracts=signed_contracts,
        awaiting_posting=list,
        amendments_due=dict,
        payments_due=list,
    )
    flows = SimpleNamespace(invoice_run=nothing, payment_feedback=nothing)
    return Scheduler(nothing, worker, nothing, nothing, flows)  # type: ignore[arg-type]


def test_a_stopping_tick_applies_no_further_batch_and_starts_no_flow() -> None:
    worker = BatchesOfWork(pending=5)
    started: list[str] = []

    _scheduler(worker, started).tick(lambda: worker.applied >= 2)  # Ctrl-C during batch 2

    assert worker.applied == 2
    assert started == []


class StuckScheduler:
    """A tick that takes far longer than a stop may wait (a batch that ignores it)."""

    def __init__(self) -> None:
        self.ticking = threading.Event()
        self.release = threading.Event()

    def tick(self, stopping: Any = None) -> None:
        self.ticking.set()
        self.release.wait(60)


class IdleRelay:
    def run_forever(self, stop: threading.Event) -> None:
        stop.wait()


def test_the_hub_loop_stops_within_its_bound_even_when_a_tick_does_not() -> None:
    scheduler = StuckScheduler()
    process = HubProcess(
        IdleRelay(),  # type: ignore[arg-type]
        scheduler,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        lambda: datetime(2026, 1, 20, tzinfo=UTC),
        Intervals(tick=0.01),
    )
    process.start()
    assert scheduler.ticking.wait(30), "the loop never ticked"

    began = time.monotonic()
    process.stop(within=0.5)
    stopped_after = time.monotonic() - began
    scheduler.release.set()

    assert stopped_after < 5, f"stop took {stopped_after:.1f} s"
