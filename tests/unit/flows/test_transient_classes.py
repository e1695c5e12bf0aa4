"""A system that was unavailable is classed as an outage, throttling or a timeout, from
what the system or the client said; the class is kept on the exception (the API and
`accord exceptions list --class` filter on it)."""

from __future__ import annotations

import pytest

from accord.application.steps.context import StepOutcome
from accord.application.steps.failures import StepFailures
from accord.domain.exceptions import BusinessException, TransientClass, transient_class


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("erp: throttled (HTTP 429) after 5 attempts", TransientClass.THROTTLING),
        ("billing: Too Many Requests", TransientClass.THROTTLING),
        ("erp: read timed out after 10 s", TransientClass.TIMEOUT),
        ("psa: ConnectTimeout", TransientClass.TIMEOUT),
        ("erp: HTTP 503 Service Unavailable", TransientClass.OUTAGE),
        ("store: busy with other work past the step's retries", TransientClass.OUTAGE),
    ],
)
def test_a_failure_reason_names_its_transient_class(reason: str, expected: TransientClass) -> None:
    assert transient_class(reason) is expected


class RecordingExceptions:
    def __init__(self) -> None:
        self.opened: list[tuple[BusinessException, dict[str, object]]] = []

    def open(self, exception: BusinessException, details: dict[str, object]) -> int:
        self.opened.append((exception, details))
        return len(self.opened)


def test_an_outage_exception_carries_its_class_and_a_rejection_none() -> None:
    exceptions = RecordingExceptions()
    service = StepFailures(exceptions)  # type: ignore[arg-type]
    throttled = "erp: POST /journal still throttled (HTTP 429) after 5 attempt(s)"

    service.open_failure(
        "post:INV-1", StepOutcome(False, "system_unavailable", throttled, "erp"), "post:INV-1"
    )
    service.open_failure(
        "post:INV-2", StepOutcome(False, "posting_rejected", "erp: no account", "erp"), "post:INV-2"
    )

    [(_, unavailable), (_, rejected)] = exceptions.opened
    assert unavailable["transient_class"] == "throttling"
    assert "transient_class" not in rejected
