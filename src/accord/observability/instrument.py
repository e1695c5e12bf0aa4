"""Instrumenting flow steps: one decorator gives a step its metrics and its span.

Put it under the durable-execution decorator, so a step whose result is replayed from the
workflow's record is neither counted nor traced again::

    @DBOS.step()
    @instrumented_step("posting", "post_to_erp")
    def post_to_erp(number: str) -> StepOutcome: ...
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from opentelemetry.trace import Span, StatusCode

from accord.observability.metrics import RAISED, hub_metrics
from accord.observability.tracing import tracer

P = ParamSpec("P")
R = TypeVar("R")

FAILED = "failed"
"""The failure `kind` label of an outcome that failed without naming its kind."""


def failure_of(result: object) -> str | None:
    """The failure kind of a step's result, None when it succeeded.

    A result with `done` False (a `StepOutcome`) failed, with its `kind` when it has one;
    any other result (a list of numbers, None) is a success.
    """
    if getattr(result, "done", True) is not False:
        return None
    kind = getattr(result, "kind", None)
    return str(kind) if kind else FAILED


def _describe_failure(span: Span, result: object, failure: str) -> None:
    span.set_attribute("accord.failure.kind", failure)
    system = getattr(result, "system", None)
    if system:
        span.set_attribute("accord.failure.system", str(system))
    reason = getattr(result, "reason", None)
    span.set_status(StatusCode.ERROR, str(reason) if reason else failure)


def instrumented_step(
    flow: str, step: str | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Count, time and trace every execution of a flow step.

    Records `accord_flow_step_runs_total{flow,step}`, the latency histogram, and a failure
    (`accord_flow_step_failures_total`) when the step raises or returns an outcome whose
    `done` is False. The span, named `<flow>.<step>`, is a child of the current span: the
    business transaction's when the workflow runs inside `business_transaction`.
    `step` defaults to the function's name.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        name = step or function.__name__
        attributes = {"accord.flow": flow, "accord.step": name}

        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            with tracer().start_as_current_span(f"{flow}.{name}", attributes=attributes) as span:
                try:
                    result = function(*args, **kwargs)
                except Exception:
                    hub_metrics().record_step(flow, name, time.perf_counter() - started, RAISED)
                    raise
                failure = failure_of(result)
                if failure is not None:
                    _describe_failure(span, result, failure)
                hub_metrics().record_step(flow, name, time.perf_counter() - started, failure)
                return result

        return run

    return decorate
