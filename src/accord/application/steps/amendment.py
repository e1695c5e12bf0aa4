"""The amendment's steps: an amended contract's terms carried to billing and the PSA."""

from __future__ import annotations

from accord.application.steps.activation import publish_terms
from accord.application.steps.context import StepContext, StepOutcome, attempt
from accord.canonical import v1


class ContractAmendment:
    """Publish an amended contract's terms to billing and its rate card to the PSA."""

    def __init__(self, context: StepContext) -> None:
        self.context = context

    def publish_terms(self, contract_id: str) -> StepOutcome:
        return publish_terms(self.context, contract_id)

    def publish_rates_in_psa(self, contract_id: str) -> StepOutcome:
        """The PSA's rate card follows the contract's terms as they stand (amendments)."""
        contract = self.context.record(v1.Contract, contract_id)
        outcome = attempt("psa", lambda: self.context.gateways.psa.publish_rates(contract))
        after = {"contract": contract.id, "version": contract.version}
        return self.context.changed(outcome, "contract.rates_published_in_psa", contract_id, after)

    def amendment_propagated(self, contract_id: str, version: int) -> None:
        """Billing and the PSA hold the terms as amended by contract `version`."""
        self.context.billing.amendment_propagated(contract_id, version)
        after = {"contract": contract_id, "version": version}
        self.context.changed(
            StepOutcome.ok(), "contract.amendment_published", contract_id, after, None, str(version)
        )
