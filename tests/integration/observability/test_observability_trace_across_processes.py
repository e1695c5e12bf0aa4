"""A contract's steps executed by different processes (as after a crash and restart)
land in one trace: the trace id derives from the business key, not from the process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

from opentelemetry import trace

from accord.application.steps.context import StepOutcome
from accord.observability import business_transaction, instrumented_step
from accord.observability.metrics import HubMetrics
from accord.observability.tracing import business_trace_id, read_trace_file

SECOND_PROCESS = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    from accord.application.steps.context import StepOutcome
    from accord.observability import business_transaction, instrumented_step
    from accord.observability.tracing import configure_tracing, shutdown_tracing

    configure_tracing(Path(sys.argv[1]), environ={})

    @instrumented_step("activation", "publish_terms")
    def publish_terms(contract: str) -> StepOutcome:
        return StepOutcome.ok()

    with business_transaction("contract", sys.argv[2]):
        publish_terms(sys.argv[2])
    shutdown_tracing()
    """
)


@instrumented_step("activation", "set_up_in_erp")
def set_up_in_erp(contract: str) -> StepOutcome:
    return StepOutcome(False, "system_unavailable", f"erp: 503 for {contract}", "erp")


def _by_name(spans: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [span for span in spans if span["name"] == name]


def test_steps_in_two_processes_share_the_trace_of_the_business_key(
    trace_file: Path, metrics: HubMetrics
) -> None:
    contract = f"C-{uuid.uuid4().hex[:6]}"
    with business_transaction("contract", contract):
        set_up_in_erp(contract)
    subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, str(trace_file.parent), contract],
        check=True,
        timeout=120,
    )
    with business_transaction("contract", "C-other"):
        set_up_in_erp("C-other")

    spans = read_trace_file(trace_file)
    expected = trace.format_trace_id(business_trace_id("contract", contract))
    first = [s for s in _by_name(spans, "activation.set_up_in_erp") if s["trace_id"] == expected]
    second = _by_name(spans, "activation.publish_terms")
    assert len(first) == 1 and len(second) == 1
    assert second[0]["trace_id"] == expected
    assert first[0]["span_id"] != second[0]["span_id"]
    other = [s for s in _by_name(spans, "activation.set_up_in_erp") if s["trace_id"] != expected]
    assert len(other) == 1
    assert other[0]["trace_id"] == trace.format_trace_id(business_trace_id("contract", "C-other"))
