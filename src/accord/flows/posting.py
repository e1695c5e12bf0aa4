"""Post one issued document to billing and the ERP, then write back to PSA and CRM.

Workflow id `post:<document number>`: starting it twice posts once. A step that fails
opens an exception and the flow waits on it: a `retry` message (sent when a person acts,
or by the scheduler once a system is back) makes it try the step again; success closes
the exception. Nothing is ever half-posted: the ERP step runs only after billing holds
the document, and the document is marked posted only once the ERP confirms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from dbos import DBOS

from accord.application.contention import StoreBusy
from accord.application.einvoicing import EInvoicing
from accord.application.flow_steps import FailureSteps, PostingSteps
from accord.application.steps.context import StepOutcome
from accord.domain.exceptions import ExceptionAction
from accord.flows import dispatch
from accord.flows.runtime import RESUME_TOPIC, FlowSteps, send, settings, wait_for_message
from accord.observability import business_transaction, instrumented_step

REJECT_PREFIX = "reject:"
steps: FlowSteps[PostingSteps] = FlowSteps("posting")
"""The use cases this flow orchestrates, handed to it by `engine.launch`."""
failures: FlowSteps[FailureSteps] = FlowSteps("posting")
"""How every flow's failed step opens and closes the exception it waits on."""
einvoicing: FlowSteps[EInvoicing | None] = FlowSteps("posting")
"""When it holds e-invoicing, posting validates each e-invoice before sending it."""
R = TypeVar("R")


def workflow_id(number: str) -> str:
    return f"post:{number}"


@DBOS.step()
@instrumented_step("posting", "record_in_billing")
def record_in_billing(number: str) -> StepOutcome:
    """The first send: when the firm sends e-invoices, one that breaks an EN 16931 rule
    fails here (`einvoice_invalid`) and goes nowhere. Checked inside this step rather than
    in a step of its own, so flows already in progress replay unchanged."""
    checks = einvoicing()
    if checks is not None and not (checked := checks.check_before_sending(number)).done:
        return checked
    return steps().record_in_billing(number)


@DBOS.step()
@instrumented_step("posting", "post_to_erp")
def post_to_erp(number: str) -> StepOutcome:
    return steps().post_to_erp(number)


@DBOS.step()
@instrumented_step("posting", "mark_posted")
def mark_posted(number: str) -> None:
    steps().mark_posted(number)


@DBOS.step()
@instrumented_step("posting", "write_back")
def write_back(number: str) -> StepOutcome:
    return steps().write_back(number)


@DBOS.step()
@instrumented_step("posting", "open_failure")
def open_failure(subject: str, outcome: StepOutcome, flow: str, compensable: bool = False) -> None:
    failures().open_failure(subject, outcome, flow, compensable)


@DBOS.step()
@instrumented_step("posting", "close_failure")
def close_failure(subject: str, note: str = "step succeeded") -> None:
    failures().close_failure(subject, note)


@dataclass(frozen=True)
class Rejection:
    """A person rejected a failed step instead of having it retried."""

    note: str
    failure: StepOutcome


def resume(flow: str, action: ExceptionAction = ExceptionAction.RETRY, note: str = "") -> None:
    """Wake a flow parked on an exception: `retry` / `replay` try its step again; `reject`
    (offered only where the flow can undo its work) makes it compensate instead."""
    message = REJECT_PREFIX + note if action is ExceptionAction.REJECT else "retry"
    send(flow, message, RESUME_TOPIC)


def wait_for_action(flow: str) -> object:
    """Park until a person acts (or the scheduler nudges); the message received."""
    return wait_for_message(flow)


def run_until_done(
    subject: str, attempt: Callable[[], StepOutcome], *, compensable: bool = False
) -> Rejection | None:
    """Run a step until it succeeds, waiting on an exception about `subject` between
    attempts; the exception closes once the step succeeds. With `compensable`, a person
    may reject instead: the step is abandoned and the rejection returned, the exception
    left open for the caller to close once it has undone its work."""
    failed = False
    flow = DBOS.workflow_id or ""
    while not (outcome := _outcome_of(attempt)).done:
        failed = True
        open_failure(subject, outcome, flow, compensable)
        message = wait_for_action(flow)
        if compensable and isinstance(message, str) and message.startswith(REJECT_PREFIX):
            return Rejection(message.removeprefix(REJECT_PREFIX), outcome)
    if failed:
        close_failure(subject)
    return None


def _outcome_of(attempt: Callable[[], StepOutcome]) -> StepOutcome:
    try:
        return attempt()
    except StoreBusy as busy:
        return StepOutcome.store_busy(busy)


def until_store_answers(subject: str, step: Callable[[], R]) -> R:
    """Run a step that only reads and writes the hub's store; while the store stays busy
    past the step's own retries, wait on a `system_unavailable` exception about
    `subject` (woken by a nudge or a person's retry, or after `busy_wait_seconds`) and
    try again. The exception closes once the step succeeds."""
    failed = False
    flow = DBOS.workflow_id or ""
    while True:
        try:
            result = step()
        except StoreBusy as busy:
            failed = True
            open_failure(subject, StepOutcome.store_busy(busy), flow)
            wait_for_message(flow, settings().busy_wait_seconds)
            continue
        if failed:
            close_failure(subject)
        return result


@dispatch.workflow("post_document")
def post_document(number: str) -> str:
    with business_transaction("document", number):
        run_until_done(number, partial(record_in_billing, number))
        run_until_done(number, partial(post_to_erp, number))
        until_store_answers(number, partial(mark_posted, number))
        run_until_done(number, partial(write_back, number))
    return number


def start_posting(number: str) -> None:
    """Start (or find) the posting flow of a document."""
    dispatch.current().start(post_document, workflow_id(number), number)
