"""Flows waiting on a system that is down are retried on a backoff per exception, not at
every scheduler tick: the hub process's interval first, then twice as long each time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from accord.application.billing import CatchUp
from accord.domain.criticality import ClassPolicy, Criticality, CriticalityClass, FlowKind
from accord.domain.exceptions import ExceptionKind
from accord.domain.retry import RetryBackoff
from accord.flows import dispatch
from accord.loops.hub_process import HubProcess, Intervals
from accord.loops.scheduler import Scheduler

FLOW = "post:INV-DE01-000001"


class FakeDispatch:
    """Records the messages sent to flows instead of delivering them."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def start(self, workflow: Any, workflow_id: str, *args: Any) -> None: ...

    def send(self, workflow_id: str, message: str, topic: str) -> None:
        self.sent.append((workflow_id, message))

    def list_workflows(self, **filters: Any) -> list[Any]:
        return []

    def result(self, workflow_id: str) -> Any: ...


@pytest.fixture
def sent() -> Iterator[list[tuple[str, str]]]:
    fake = FakeDispatch()
    before = dispatch.current()
    dispatch.use(fake)
    yield fake.sent
    dispatch.use(before)


class FakeExceptions:
    def __init__(self) -> None:
        self.open: dict[int, tuple[ExceptionKind, str]] = {}

    def open_records(self, kind: ExceptionKind) -> list[Any]:
        return [
            SimpleNamespace(id=key, details={"workflow_id": flow})
            for key, (of_kind, flow) in self.open.items()
            if of_kind is kind
        ]


def _scheduler(exceptions: FakeExceptions) -> Scheduler:
    """A scheduler with nothing to pull, apply or start: only waiting flows."""
    nothing = SimpleNamespace(
        pull=lambda _stopping=None: SimpleNamespace(accepted=0),
        catch_up=lambda _stopping=None: CatchUp(),
        signed_contracts=lambda: {},
        awaiting_posting=list,
        amendments_due=dict,
        payments_due=list,
    )
    flows = SimpleNamespace(invoice_run=nothing, payment_feedback=nothing)
    return Scheduler(nothing, None, nothing, exceptions, flows)  # type: ignore[arg-type]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _hub_process(scheduler: Scheduler, clock: FakeClock) -> HubProcess:
    process = HubProcess(
        None,  # type: ignore[arg-type]
        scheduler,
        None,  # type: ignore[arg-type]
        lambda: datetime(2026, 1, 20, tzinfo=UTC),
        Intervals(retry=30, retry_ceiling=120, reconcile=1e9),
        monotonic=clock,
    )
    process.last_billed = datetime(2025, 12, 31).date()
    return process


def _nudged_at(process: HubProcess, clock: FakeClock, sent: list[Any], seconds: int) -> list[int]:
    """Run the hub loop once a second for `seconds`; the seconds at which it nudged."""
    nudges = []
    for second in range(seconds + 1):
        clock.now = float(second)
        before = len(sent)
        process.run_once()
        if len(sent) > before:
            nudges.append(second)
    return nudges


def test_a_scheduler_tick_nudges_no_waiting_flow(sent: list[tuple[str, str]]) -> None:
    exceptions = FakeExceptions()
    exceptions.open[7] = (ExceptionKind.SYSTEM_UNAVAILABLE, FLOW)
    scheduler = _scheduler(exceptions)

    for _ in range(5):
        scheduler.tick()

    assert sent == []


def test_the_hub_loop_retries_a_waiting_flow_on_a_backoff_up_to_a_ceiling(
    sent: list[tuple[str, str]],
) -> None:
    exceptions = FakeExceptions()
    exceptions.open[7] = (ExceptionKind.SYSTEM_UNAVAILABLE, FLOW)
    clock = FakeClock()
    process = _hub_process(_scheduler(exceptions), clock)

    # first 30 s after the exception was seen, then 60 s, then 120 s (the ceiling) apart
    assert _nudged_at(process, clock, sent, 400) == [30, 90, 210, 330]
    assert set(sent) == {(FLOW, "retry")}


def test_a_flow_waiting_on_a_record_not_yet_received_is_retried_too(
    sent: list[tuple[str, str]],
) -> None:
    exceptions = FakeExceptions()
    exceptions.open[3] = (ExceptionKind.UNKNOWN_REFERENCE, "activate:K1")
    exceptions.open[4] = (ExceptionKind.POSTING_REJECTED, FLOW)
    clock = FakeClock()
    process = _hub_process(_scheduler(exceptions), clock)

    assert _nudged_at(process, clock, sent, 40) == [30]
    assert sent == [("activate:K1", "retry")]  # a rejection waits for a person


def test_each_exception_has_its_own_backoff_and_a_new_one_starts_over() -> None:
    backoff = RetryBackoff(first=10, ceiling=100)

    assert backoff.due([1], now=0) == []
    assert backoff.due([1, 2], now=10) == [1]  # 2 first seen now: due at 20
    assert backoff.due([1, 2], now=20) == [2]  # 1 next due at 30
    assert backoff.due([1, 2], now=30) == [1]
    assert backoff.due([2], now=31) == []  # 1 closed: forgotten
    assert backoff.due([1, 2], now=32) == []  # 1 again: a new wait, due at 42
    assert backoff.due([1, 2], now=42) == [1, 2]  # 2: its second retry, 20 s after the first


def test_an_exception_is_retried_within_its_budget_then_waits_for_a_person() -> None:
    backoff = RetryBackoff(first=10, ceiling=100, budget=2)

    assert backoff.due([1], now=0) == []
    assert backoff.due([1], now=10) == [1]
    assert backoff.due([1], now=30) == [1]
    assert backoff.due([1], now=70) == [] and backoff.spent == [1]
    assert backoff.due([1], now=1000) == [] and backoff.spent == []  # named once
    assert backoff.due([], now=1001) == [] and backoff.due([1], now=1002) == []
    assert backoff.due([1], now=1012) == [1]  # opened again: a new budget


class NotingExceptions(FakeExceptions):
    def __init__(self) -> None:
        super().__init__()
        self.notes: list[tuple[int, str, str]] = []

    def note(self, exception_id: int, action: str, note: str) -> None:
        self.notes.append((exception_id, action, note))


def test_the_hub_loop_stops_retrying_past_the_budget_and_says_so_on_the_exception(
    sent: list[tuple[str, str]],
) -> None:
    exceptions = NotingExceptions()
    exceptions.open[7] = (ExceptionKind.SYSTEM_UNAVAILABLE, FLOW)
    clock = FakeClock()
    process = HubProcess(
        None,  # type: ignore[arg-type]
        _scheduler(exceptions),
        None,  # type: ignore[arg-type]
        lambda: datetime(2026, 1, 20, tzinfo=UTC),
        Intervals(retry=30, retry_ceiling=120, retry_budget=2, reconcile=1e9),
        monotonic=clock,
    )
    process.last_billed = datetime(2025, 12, 31).date()

    assert _nudged_at(process, clock, sent, 400) == [30, 90]
    [(exception_id, action, note)] = exceptions.notes
    assert (exception_id, action) == (7, "retries_spent") and "retried 2 times" in note


def test_each_flow_retries_within_its_criticality_class_budget(
    sent: list[tuple[str, str]],
) -> None:
    exceptions = NotingExceptions()
    exceptions.open[7] = (ExceptionKind.SYSTEM_UNAVAILABLE, FLOW)
    exceptions.open[8] = (ExceptionKind.SYSTEM_UNAVAILABLE, "payment:PAY-1")
    classes = Criticality(
        flows={FlowKind.INVOICE_POSTING: CriticalityClass.CRITICAL},
        classes={
            CriticalityClass.CRITICAL: ClassPolicy(retry_budget=3),
            CriticalityClass.STANDARD: ClassPolicy(retry_budget=1),
        },
    )
    clock = FakeClock()
    process = HubProcess(
        None,  # type: ignore[arg-type]
        _scheduler(exceptions),
        None,  # type: ignore[arg-type]
        lambda: datetime(2026, 1, 20, tzinfo=UTC),
        Intervals(retry=30, retry_ceiling=120, retry_budget=30, reconcile=1e9),
        monotonic=clock,
        criticality=classes,
    )
    process.last_billed = datetime(2025, 12, 31).date()

    _nudged_at(process, clock, sent, 600)

    assert [flow for flow, _ in sent].count(FLOW) == 3
    assert [flow for flow, _ in sent].count("payment:PAY-1") == 1
    notes = {key: note for key, action, note in exceptions.notes if action == "retries_spent"}
    assert "retried 3 times" in notes[7] and "retried 1 times" in notes[8]
