"""The activation's steps: a signed contract set up in every system, or set back when a
person rejects it."""

from __future__ import annotations

from accord.application.steps.context import StepContext, StepOutcome, attempt
from accord.application.steps.invoice_run import record_issue
from accord.canonical import v1
from accord.domain.activation import Compensation
from accord.domain.exceptions import ExceptionKind


def publish_terms(context: StepContext, contract_id: str) -> StepOutcome:
    """Billing holds the contract's terms as they stand (activation and amendments)."""
    contract = context.record(v1.Contract, contract_id)
    outcome = attempt("billing", lambda: context.gateways.billing.publish_terms(contract))
    after = {"contract": contract.id, "terms": len(contract.terms), "currency": contract.currency}
    return context.changed(outcome, "contract.terms_published", contract_id, after)


class ContractActivation:
    """Set a signed contract up in the ERP, billing, the PSA and the CRM, or set it back."""

    def __init__(self, context: StepContext) -> None:
        self.context = context

    def set_up_in_erp(self, contract_id: str) -> StepOutcome:
        """The ERP knows the customer and the project before any invoice reaches it.
        A customer the CRM has not reported yet (its feed lags the CLM's) is an unknown
        reference the flow waits on, retried until the customer arrives."""
        context = self.context
        contract = context.record(v1.Contract, contract_id)
        customer = context.known(v1.Customer, contract.customer)
        if customer is None:
            reason = f"customer {contract.customer} of contract {contract_id} is not known yet"
            return StepOutcome(False, ExceptionKind.UNKNOWN_REFERENCE.value, reason, "crm")

        def write() -> None:
            context.gateways.erp.upsert_customer(customer)
            context.gateways.erp.upsert_project(context.project(contract))

        after = {"customer": customer.id, "project": contract.id}
        return context.changed(attempt("erp", write), "contract.set_up_in_erp", contract_id, after)

    def publish_terms(self, contract_id: str) -> StepOutcome:
        return publish_terms(self.context, contract_id)

    def provision_in_psa(self, contract_id: str) -> StepOutcome:
        """The PSA holds the project and its rate card before anyone books time on it."""
        context = self.context
        contract = context.record(v1.Contract, contract_id)
        project = context.project(contract)

        def write() -> None:
            context.gateways.psa.provision_project(project, contract)
            context.gateways.psa.publish_rates(contract)

        outcome = attempt("psa", write)
        return context.changed(
            outcome, "contract.provisioned_in_psa", contract_id, {"project": project.id}
        )

    def confirm_in_crm(self, contract_id: str) -> StepOutcome:
        contract = self.context.record(v1.Contract, contract_id)
        outcome = attempt("crm", lambda: self.context.gateways.crm.confirm_activation(contract))
        after = {"contract": contract.id}
        return self.context.changed(outcome, "contract.activation_confirmed", contract_id, after)

    def issue_prepayment(self, contract_id: str) -> list[str]:
        """A retainer's prepayment document, dated on the signing day (once)."""
        result = self.context.billing.sign(
            contract_id,
            lambda signed: record_issue(self.context, signed, signed.state.signed[contract_id]),
        )
        return [document.number for document in result.documents]

    def record_activation(self, contract_id: str) -> None:
        """Every system holds the contract: note when, for the activation time KPI."""
        self.context.billing.mark_activated(contract_id)

    def posting_after_activation(self, contract: str) -> list[str]:
        """The contract's documents waiting for its activation to be posted: those
        `InvoiceRun.awaiting_posting` lists, of this contract only."""
        return self.context.ready_to_post(contract)

    def compensate(self, contract_id: str, compensation: Compensation) -> StepOutcome:
        """Set one system back after a rejected activation (safe to repeat)."""
        gateways = self.context.gateways
        system, undo = {
            Compensation.DEACTIVATE_ERP_PROJECT: ("erp", gateways.erp.deactivate_project),
            Compensation.WITHDRAW_BILLING_TERMS: ("billing", gateways.billing.withdraw_terms),
            Compensation.CLOSE_PSA_PROJECT: ("psa", gateways.psa.close_project),
            Compensation.WITHDRAW_CRM_ACTIVATION: ("crm", gateways.crm.withdraw_activation),
        }[compensation]
        after = {"contract": contract_id, "compensation": compensation.value, "system": system}
        outcome = attempt(system, lambda: undo(contract_id))
        return self.context.changed(outcome, "contract.compensated", contract_id, after)

    def withdraw(self, contract_id: str) -> None:
        """Billing bills nothing more on a contract whose activation was set back."""
        on = self.context.billing.withdraw(contract_id)
        after = {"contract": contract_id, "withdrawn_on": on.isoformat()}
        self.context.changed(StepOutcome(True), "contract.withdrawn", contract_id, after)
