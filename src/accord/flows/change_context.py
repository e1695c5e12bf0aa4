"""Who a flow's changes are recorded as: `flow:<workflow id>`, correlated by the trace id
of the business transaction it runs in (the same id its spans and log lines carry)."""

from __future__ import annotations

from dbos import DBOS
from opentelemetry import trace

from accord.application.flow_events import ChangeContext, outside_a_flow


def current_change_context() -> ChangeContext:
    """The running workflow's identity; outside a workflow, the hub's."""
    workflow = DBOS.workflow_id
    if not workflow:
        return outside_a_flow()
    trace_id = trace.get_current_span().get_span_context().trace_id
    correlation = format(trace_id, "032x") if trace_id else workflow
    return ChangeContext(f"flow:{workflow}", correlation)
