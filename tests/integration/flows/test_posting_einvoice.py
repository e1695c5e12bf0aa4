"""A document whose e-invoice breaks an EN 16931 rule is held before it is sent anywhere:
the posting flow parks on an `einvoice_invalid` exception, nothing reaches billing or the
ERP, and once the master data is fixed a retry sends it once and closes the exception.

DBOS on SQLite in this process; the posting use cases and the e-invoicing are fakes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from accord.application.einvoicing import EInvoicing
from accord.application.steps.context import StepOutcome
from accord.flows import dispatch, engine, runtime
from accord.flows.posting import resume, start_posting
from accord.flows.posting import workflow_id as posting_id
from tests.integration.flows._registries import sharing

NUMBER = "INV-DE01-000001"
FLOW = posting_id(NUMBER)
WAIT = 60.0


class FakeSteps:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.opened: list[tuple[str, StepOutcome]] = []
        self.closed: list[str] = []

    def record_in_billing(self, number: str) -> StepOutcome:
        self.sent.append(f"billing:{number}")
        return StepOutcome.ok()

    def post_to_erp(self, number: str) -> StepOutcome:
        self.sent.append(f"erp:{number}")
        return StepOutcome.ok()

    def mark_posted(self, number: str) -> None: ...

    def write_back(self, number: str) -> StepOutcome:
        return StepOutcome.ok()

    def open_failure(self, subject: str, outcome: StepOutcome, flow: str, *_: Any) -> None:
        self.opened.append((subject, outcome))

    def close_failure(self, subject: str, note: str = "") -> None:
        self.closed.append(subject)


class FakeEInvoicing:
    """Breaks BR-S-02 until the seller's VAT id is added."""

    def __init__(self) -> None:
        self.seller_vat = False

    def check_before_sending(self, number: str) -> StepOutcome:
        if self.seller_vat:
            return StepOutcome.ok()
        reason = f"e-invoice {number} breaks EN 16931 rules. UBL: [BR-S-02] no seller VAT id"
        return StepOutcome(False, "einvoice_invalid", reason, "einvoice")


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_an_invalid_einvoice_parks_the_posting_until_fixed_then_sends_once(
    tmp_path: Path,
) -> None:
    posting, einvoicing = FakeSteps(), FakeEInvoicing()
    registry = sharing(posting, cast(EInvoicing, einvoicing))
    engine.launch(f"sqlite:///{tmp_path / 'flows.sqlite'}", registry)
    try:
        start_posting(NUMBER)
        _until(lambda: FLOW in runtime.waits.parked(), "the posting to park on the e-invoice")
        assert posting.sent == []
        [(subject, outcome)] = posting.opened
        assert (subject, outcome.kind) == (NUMBER, "einvoice_invalid")
        assert outcome.reason is not None and "[BR-S-02]" in outcome.reason

        einvoicing.seller_vat = True
        resume(FLOW)
        assert dispatch.current().result(FLOW) == NUMBER
    finally:
        runtime.shutdown()
    assert posting.sent == [f"billing:{NUMBER}", f"erp:{NUMBER}"]
    assert posting.closed == [NUMBER]
