"""Contract activation: a signed contract reaches every system, once.

Workflow id `activate:<contract>`. ERP customer and project first (the ledger must know
the customer before any invoice), then billing terms, the PSA project and the CRM's
confirmation; a retainer's prepayment document is issued last and handed to posting.
A failing step opens an exception and the flow waits on it (see `posting.run_until_done`).
"""

from __future__ import annotations

from functools import partial

from dbos import DBOS, SetWorkflowID

from accord.application.contract_to_cash import StepOutcome
from accord.flows.posting import run_until_done, start_posting
from accord.flows.runtime import services
from accord.observability import business_transaction, instrumented_step


def workflow_id(contract: str) -> str:
    return f"activate:{contract}"


@DBOS.step()
@instrumented_step("activation", "set_up_in_erp")
def set_up_in_erp(contract: str) -> StepOutcome:
    return services().contract_to_cash.set_up_in_erp(contract)


@DBOS.step()
@instrumented_step("activation", "publish_terms")
def publish_terms(contract: str) -> StepOutcome:
    return services().contract_to_cash.publish_terms(contract)


@DBOS.step()
@instrumented_step("activation", "provision_in_psa")
def provision_in_psa(contract: str) -> StepOutcome:
    return services().contract_to_cash.provision_in_psa(contract)


@DBOS.step()
@instrumented_step("activation", "confirm_in_crm")
def confirm_in_crm(contract: str) -> StepOutcome:
    return services().contract_to_cash.confirm_in_crm(contract)


@DBOS.step()
@instrumented_step("activation", "issue_prepayment")
def issue_prepayment(contract: str) -> list[str]:
    return services().contract_to_cash.issue_prepayment(contract)


@DBOS.workflow()
def activate_contract(contract: str) -> list[str]:
    with business_transaction("contract", contract):
        for step in (set_up_in_erp, publish_terms, provision_in_psa, confirm_in_crm):
            run_until_done(contract, partial(step, contract))
        issued = issue_prepayment(contract)
        for number in issued:
            start_posting(number)
    return issued


def start_activation(contract: str) -> None:
    """Start (or find) the activation flow of a contract."""
    with SetWorkflowID(workflow_id(contract)):
        DBOS.start_workflow(activate_contract, contract)
