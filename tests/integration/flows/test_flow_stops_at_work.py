"""A flow at work when its process stops ends before its next step, stays pending, and
the next launch runs it from that step: Ctrl-C never waits for a flow's remaining work.

DBOS on SQLite in this process; the posting flow's use cases are a fake whose first
step is still running when the stop begins.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from dbos import DBOS

from accord.application.steps.context import StepOutcome
from accord.flows import dispatch, engine, runtime
from accord.flows.posting import start_posting
from accord.flows.posting import workflow_id as posting_id
from tests.integration.flows._registries import sharing

NUMBER = "INV-DE01-000001"
FLOW = posting_id(NUMBER)
WAIT = 60.0


class FakeSteps:
    """The posting steps; `record_in_billing` runs until the test lets it finish."""

    def __init__(self, hold_first_step: bool) -> None:
        self.in_first_step = threading.Event()
        self.finish_first_step = threading.Event()
        if not hold_first_step:
            self.finish_first_step.set()
        self.calls: list[str] = []

    def record_in_billing(self, number: str) -> StepOutcome:
        self.calls.append("record_in_billing")
        self.in_first_step.set()
        assert self.finish_first_step.wait(WAIT)
        return StepOutcome.ok()

    def post_to_erp(self, number: str) -> StepOutcome:
        self.calls.append("post_to_erp")
        return StepOutcome.ok()

    def mark_posted(self, number: str) -> None:
        self.calls.append("mark_posted")

    def write_back(self, number: str) -> StepOutcome:
        self.calls.append("write_back")
        return StepOutcome.ok()

    def open_failure(self, *_: Any) -> None: ...

    def close_failure(self, *_: Any) -> None: ...


def _launch(url: str, fake: FakeSteps) -> None:
    engine.launch(url, sharing(fake))


def test_a_flow_at_work_stops_before_its_next_step_and_resumes_from_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'flows.sqlite'}"
    first = FakeSteps(hold_first_step=True)
    _launch(url, first)
    start_posting(NUMBER)
    assert first.in_first_step.wait(WAIT), "the first step never ran"

    stopper = threading.Thread(target=runtime.shutdown)
    stopper.start()
    deadline = time.monotonic() + WAIT
    while not runtime.stopping():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    first.finish_first_step.set()  # the step in hand completes; no other starts
    stopper.join(WAIT)
    assert not stopper.is_alive()
    assert first.calls == ["record_in_billing"]

    second = FakeSteps(hold_first_step=False)
    _launch(url, second)
    try:
        assert dispatch.current().result(FLOW) == NUMBER
        assert DBOS.retrieve_workflow(FLOW).get_status().status == "SUCCESS"
    finally:
        runtime.shutdown()
    assert second.calls == ["post_to_erp", "mark_posted", "write_back"]
