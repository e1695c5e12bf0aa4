"""A flow step that meets a busy store tries again; past its budget the flow opens a
`system_unavailable` exception about the store and waits on it, instead of ending in
ERROR, and carries on once the store answers.

DBOS on SQLite in this process; the posting flow's use cases are a fake whose
`mark_posted` finds the store busy a given number of times.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dbos import DBOS

from accord.application.contention import StoreBusy
from accord.application.steps.context import STORE, StepOutcome
from accord.domain.exceptions import ExceptionKind
from accord.domain.retry import TransientBudget
from accord.flows import dispatch, engine, runtime
from accord.flows.posting import start_posting
from accord.flows.posting import workflow_id as posting_id
from tests.integration.flows._registries import sharing

NUMBER = "INV-DE01-000001"
FLOW = posting_id(NUMBER)
BUDGET = TransientBudget(attempts=3, first=0.01, ceiling=0.05)


class FakeSteps:
    """The posting steps; the store refuses `mark_posted` the first `busy` times."""

    def __init__(self, busy: int) -> None:
        self.busy = busy
        self.attempts = 0
        self.marked: list[str] = []
        self.opened: list[tuple[str, StepOutcome, str]] = []
        self.closed: list[str] = []

    def record_in_billing(self, number: str) -> StepOutcome:
        return StepOutcome.ok()

    def post_to_erp(self, number: str) -> StepOutcome:
        return StepOutcome.ok()

    def mark_posted(self, number: str) -> None:
        self.attempts += 1
        if self.attempts <= self.busy:
            raise StoreBusy("database is locked")
        self.marked.append(number)

    def write_back(self, number: str) -> StepOutcome:
        return StepOutcome.ok()

    def open_failure(self, subject: str, outcome: StepOutcome, flow: str, *_: Any) -> None:
        self.opened.append((subject, outcome, flow))

    def close_failure(self, subject: str, note: str = "") -> None:
        self.closed.append(subject)


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Any]:
    def start(fake: FakeSteps) -> None:
        engine.launch(
            f"sqlite:///{tmp_path / 'flows.sqlite'}",
            sharing(fake),
            runtime.FlowSettings(busy_budget=BUDGET, busy_wait_seconds=0.5),
        )

    yield start
    runtime.shutdown()


def test_a_step_rides_out_a_busy_store_within_its_budget(launch: Any) -> None:
    fake = FakeSteps(busy=BUDGET.attempts - 1)
    launch(fake)

    start_posting(NUMBER)

    assert dispatch.current().result(FLOW) == NUMBER
    assert fake.marked == [NUMBER]
    assert fake.opened == [], "contention within the budget troubles nobody"


def test_past_its_budget_the_flow_waits_on_an_exception_and_then_finishes(launch: Any) -> None:
    fake = FakeSteps(busy=BUDGET.attempts + 2)
    launch(fake)

    start_posting(NUMBER)

    assert dispatch.current().result(FLOW) == NUMBER
    assert DBOS.retrieve_workflow(FLOW).get_status().status == "SUCCESS"
    assert fake.marked == [NUMBER]
    [(subject, outcome, flow)] = fake.opened
    assert (subject, flow) == (NUMBER, FLOW)
    assert outcome.kind == ExceptionKind.SYSTEM_UNAVAILABLE.value
    assert outcome.system == STORE
    assert fake.closed == [NUMBER], "the exception closes once the store answers"
