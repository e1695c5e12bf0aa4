"""Contract activation: a signed contract reaches every system, once.

Workflow id `activate:<contract>`. ERP customer and project first (the ledger must know
the customer before any invoice), then billing terms, the PSA project and the CRM's
confirmation; a retainer's prepayment document is issued last, the time the contract
became active everywhere is recorded (the activation KPI), and every document of the
contract waiting for the activation (the prepayment, any issued meanwhile) is handed to
posting.
A failing step opens an exception and the flow waits on it (see `posting.run_until_done`);
a customer the CRM has not reported yet is one (`unknown_reference`, owned by
integration), retried until the customer arrives.

A person may reject the activation instead of fixing the step: the flow then runs the
named compensation of every step that changed a system, last change first (the plan is
`domain.activation.compensations_on_rejection`), waiting on an exception while a system
is down, and closes the exception with what it set back. Compensations are safe to
repeat, so a crash mid-way simply runs them again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from dbos import DBOS

from accord.application.flow_steps import ActivationSteps
from accord.application.steps.context import StepOutcome
from accord.domain.activation import ActivationStep, Compensation, compensations_on_rejection
from accord.domain.exceptions import failed_step_kind
from accord.flows import dispatch
from accord.flows.posting import (
    Rejection,
    close_failure,
    open_failure,
    run_until_done,
    start_posting,
    until_store_answers,
    wait_for_action,
)
from accord.flows.runtime import FlowSteps
from accord.observability import business_transaction, instrumented_step

steps: FlowSteps[ActivationSteps] = FlowSteps("activation")
"""The use cases this flow orchestrates, handed to it by `engine.launch`."""


def workflow_id(contract: str) -> str:
    return f"activate:{contract}"


@DBOS.step()
@instrumented_step("activation", "set_up_in_erp")
def set_up_in_erp(contract: str) -> StepOutcome:
    return steps().set_up_in_erp(contract)


@DBOS.step()
@instrumented_step("activation", "publish_terms")
def publish_terms(contract: str) -> StepOutcome:
    return steps().publish_terms(contract)


@DBOS.step()
@instrumented_step("activation", "provision_in_psa")
def provision_in_psa(contract: str) -> StepOutcome:
    return steps().provision_in_psa(contract)


@DBOS.step()
@instrumented_step("activation", "confirm_in_crm")
def confirm_in_crm(contract: str) -> StepOutcome:
    return steps().confirm_in_crm(contract)


@DBOS.step()
@instrumented_step("activation", "issue_prepayment")
def issue_prepayment(contract: str) -> list[str]:
    return steps().issue_prepayment(contract)


@DBOS.step()
@instrumented_step("activation", "record_activation")
def record_activation(contract: str) -> None:
    steps().record_activation(contract)


@DBOS.step()
@instrumented_step("activation", "documents_to_post")
def documents_to_post(contract: str) -> list[str]:
    """Every document of the contract waiting for its posting: the prepayment just issued
    (or issued before a crash), and any issued while the activation was under way, which
    waited for the ERP to hold the customer (`domain.billing.posting_order`)."""
    return steps().posting_after_activation(contract)


@DBOS.step()
@instrumented_step("activation", "compensate")
def compensate(contract: str, compensation: str) -> StepOutcome:
    return steps().compensate(contract, Compensation(compensation))


@DBOS.step()
@instrumented_step("activation", "withdraw_in_billing")
def withdraw_in_billing(contract: str) -> None:
    steps().withdraw(contract)


STEPS: tuple[tuple[ActivationStep, Callable[[str], StepOutcome]], ...] = (
    (ActivationStep.SET_UP_IN_ERP, set_up_in_erp),
    (ActivationStep.PUBLISH_TERMS, publish_terms),
    (ActivationStep.PROVISION_IN_PSA, provision_in_psa),
    (ActivationStep.CONFIRM_IN_CRM, confirm_in_crm),
)


def _set_back(
    contract: str, completed: Sequence[ActivationStep], failed: ActivationStep, why: Rejection
) -> None:
    """Run the compensations of a rejected activation, then close its exception."""
    failure = failed_step_kind(why.failure.kind)
    plan = compensations_on_rejection(completed, failed, failure)
    flow = DBOS.workflow_id or ""
    for compensation in plan:
        while not (outcome := compensate(contract, compensation.value)).done:
            open_failure(contract, outcome, flow)
            wait_for_action(flow)
    until_store_answers(contract, partial(withdraw_in_billing, contract))
    undone = ", ".join(plan) or "nothing to set back"
    close_failure(contract, f"activation rejected ({why.note}); compensated: {undone}")


@dispatch.workflow("activate_contract")
def activate_contract(contract: str) -> list[str]:
    """Activate everywhere and return the documents issued; [] when a person rejected
    it (every system it reached set back)."""
    with business_transaction("contract", contract):
        completed: list[ActivationStep] = []
        for name, step in STEPS:
            rejection = run_until_done(contract, partial(step, contract), compensable=True)
            if rejection is not None:
                _set_back(contract, completed, name, rejection)
                return []
            completed.append(name)
        issued = until_store_answers(contract, partial(issue_prepayment, contract))
        until_store_answers(contract, partial(record_activation, contract))
        for number in until_store_answers(contract, partial(documents_to_post, contract)):
            start_posting(number)
    return issued


def start_activation(contract: str) -> None:
    """Start (or find) the activation flow of a contract."""
    dispatch.current().start(activate_contract, workflow_id(contract), contract)
