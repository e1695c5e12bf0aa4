"""A stopping hub wakes its parked flows, so nothing holds its exit up, and an upgraded
hub recovers them: they park again where they stopped and post once when resumed.

DBOS on SQLite in this process; the posting flow's use cases are a fake whose ERP is
down until the test brings it back, so the flow parks on an exception.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dbos import DBOS

from accord.application.steps.context import StepOutcome
from accord.flows import dispatch, engine, runtime
from accord.flows.posting import resume, start_posting
from accord.flows.posting import workflow_id as posting_id
from tests.integration.flows._registries import sharing

NUMBER = "INV-DE01-000001"
FLOW = posting_id(NUMBER)
WAIT = 30.0


class FakeSteps:
    """The posting steps, with an ERP that refuses until `erp_up` (an outage)."""

    def __init__(self) -> None:
        self.erp_up = False
        self.posted: list[str] = []
        self.failed_in: threading.Thread | None = None

    def record_in_billing(self, number: str) -> StepOutcome:
        return StepOutcome.ok()

    def post_to_erp(self, number: str) -> StepOutcome:
        if not self.erp_up:
            return StepOutcome(False, "system_unavailable", "erp: down", "erp")
        self.posted.append(number)
        return StepOutcome.ok()

    def mark_posted(self, number: str) -> None: ...

    def write_back(self, number: str) -> StepOutcome:
        return StepOutcome.ok()

    def open_failure(self, subject: str, outcome: StepOutcome, flow: str, *_: Any) -> None:
        self.failed_in = threading.current_thread()

    def close_failure(self, subject: str, note: str = "") -> None: ...


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _launch(url: str, fake: FakeSteps) -> None:
    engine.launch(url, sharing(fake))


def _added_in_an_upgrade() -> None:
    """Register a new flow, as a new release would: DBOS's default version (a hash of
    the flows' code) changes with it."""

    @DBOS.workflow(name="tests.flow_restart.added_in_an_upgrade")
    def added_in_an_upgrade() -> None: ...


def test_a_stopping_hub_wakes_parked_flows_and_an_upgraded_one_recovers_them(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'flows.sqlite'}"
    fake = FakeSteps()
    _launch(url, fake)
    try:
        start_posting(NUMBER)
        _until(lambda: FLOW in runtime.waits.parked(), "the posting to park on the outage")
        status = DBOS.retrieve_workflow(FLOW).get_status()
        assert status.app_version == runtime.FLOWS_VERSION
    finally:
        stopped_at = time.monotonic()
        runtime.shutdown()
    assert fake.failed_in is not None
    fake.failed_in.join(timeout=10)
    assert not fake.failed_in.is_alive(), "the parked flow's thread outlived the shutdown"
    assert time.monotonic() - stopped_at < 10

    _added_in_an_upgrade()
    _launch(url, fake)
    try:
        _until(lambda: FLOW in runtime.waits.parked(), "the recovered posting to park again")
        assert fake.posted == []
        fake.erp_up = True
        resume(FLOW)
        assert dispatch.current().result(FLOW) == NUMBER
    finally:
        runtime.shutdown()
    assert fake.posted == [NUMBER]
