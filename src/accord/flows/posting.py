"""Post one issued document to billing and the ERP, then write back to PSA and CRM.

Workflow id `post:<document number>`: starting it twice posts once. A step that fails
opens an exception and the flow waits on it: a `retry` message (sent when a person acts,
or by the scheduler once a system is back) makes it try the step again; success closes
the exception. Nothing is ever half-posted: the ERP step runs only after billing holds
the document, and the document is marked posted only once the ERP confirms.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from dbos import DBOS, SetWorkflowID

from accord.application.contract_to_cash import StepOutcome
from accord.flows.runtime import send, services, waits
from accord.observability import business_transaction, instrumented_step

RESUME_TOPIC = "resume"


def workflow_id(number: str) -> str:
    return f"post:{number}"


@DBOS.step()
@instrumented_step("posting", "record_in_billing")
def record_in_billing(number: str) -> StepOutcome:
    return services().contract_to_cash.record_in_billing(number)


@DBOS.step()
@instrumented_step("posting", "post_to_erp")
def post_to_erp(number: str) -> StepOutcome:
    return services().contract_to_cash.post_to_erp(number)


@DBOS.step()
@instrumented_step("posting", "mark_posted")
def mark_posted(number: str) -> None:
    services().contract_to_cash.mark_posted(number)


@DBOS.step()
@instrumented_step("posting", "write_back")
def write_back(number: str) -> StepOutcome:
    return services().contract_to_cash.write_back(number)


@DBOS.step()
@instrumented_step("posting", "open_failure")
def open_failure(subject: str, outcome: StepOutcome, flow: str) -> None:
    services().contract_to_cash.open_failure(subject, outcome, flow)


@DBOS.step()
@instrumented_step("posting", "close_failure")
def close_failure(subject: str) -> None:
    services().contract_to_cash.close_failure(subject)


def resume(flow: str) -> None:
    """Wake a flow parked on an exception so it tries its step again."""
    send(flow, "retry", RESUME_TOPIC)


def run_until_done(subject: str, attempt: Callable[[], StepOutcome]) -> None:
    """Run a step until it succeeds, waiting on an exception about `subject` between
    attempts; the exception closes once the step succeeds."""
    failed = False
    flow = DBOS.workflow_id or ""
    while not (outcome := attempt()).done:
        failed = True
        open_failure(subject, outcome, flow)
        waits.park(flow)
        DBOS.recv(RESUME_TOPIC, timeout_seconds=services().resume_wait_seconds)
        waits.unpark(flow)
    if failed:
        close_failure(subject)


@DBOS.workflow()
def post_document(number: str) -> str:
    with business_transaction("document", number):
        run_until_done(number, partial(record_in_billing, number))
        run_until_done(number, partial(post_to_erp, number))
        mark_posted(number)
        run_until_done(number, partial(write_back, number))
    return number


def start_posting(number: str) -> None:
    """Start (or find) the posting flow of a document."""
    with SetWorkflowID(workflow_id(number)):
        DBOS.start_workflow(post_document, number)
