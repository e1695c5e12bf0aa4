"""Payment feedback: a payment the ERP reported reaches billing and the CRM, once.

Workflow id `payment:<payment id>`. The hub applied the payment to the invoice when it
read it from the ERP and noted it as due for feedback in the same save; the scheduler
starts this flow for every payment so noted, which tells the other systems, waiting on
an exception while one of them is down, and then clears the note.
"""

from __future__ import annotations

from functools import partial

from dbos import DBOS

from accord.application.flow_steps import PaymentFeedbackSteps
from accord.application.steps.context import StepOutcome
from accord.canonical import v1
from accord.flows import dispatch
from accord.flows.posting import run_until_done, until_store_answers
from accord.flows.runtime import FlowSteps
from accord.observability import business_transaction, instrumented_step

steps: FlowSteps[PaymentFeedbackSteps] = FlowSteps("payment feedback")
"""The use cases this flow orchestrates, handed to it by `engine.launch`."""


def workflow_id(payment: str) -> str:
    return f"payment:{payment}"


@DBOS.step()
@instrumented_step("payment_feedback", "mirror_payment")
def mirror_payment(payment_json: str) -> StepOutcome:
    payment = v1.Payment.model_validate_json(payment_json)
    return steps().mirror_payment(payment)


@DBOS.step()
@instrumented_step("payment_feedback", "mark_fed_back")
def mark_fed_back(payment_id: str) -> None:
    steps().payment_fed_back(payment_id)


@dispatch.workflow("feed_back_payment")
def feed_back_payment(payment_id: str, payment_json: str) -> str:
    with business_transaction("payment", payment_id):
        run_until_done(payment_id, partial(mirror_payment, payment_json))
        until_store_answers(payment_id, partial(mark_fed_back, payment_id))
    return payment_id


def start_payment_feedback(payment: v1.Payment) -> None:
    dispatch.current().start(
        feed_back_payment, workflow_id(payment.id), payment.id, payment.model_dump_json()
    )
