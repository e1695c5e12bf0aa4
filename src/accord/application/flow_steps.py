"""The use cases each durable flow orchestrates, one small protocol per flow.

A flow sees only its own steps: activation cannot post a document, posting cannot
activate a contract. `application.steps` implements each in a class of its own, and
bootstrap hands those to the flows; a test hands fakes instead. Every step is idempotent by
business key, so a flow may repeat any of them after a crash.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from accord.application.steps.context import StepOutcome
from accord.canonical import v1
from accord.domain.activation import Compensation


class FailureSteps(Protocol):
    """What every flow does with a step that fails: an exception it waits on."""

    def open_failure(
        self, subject: str, outcome: StepOutcome, workflow_id: str, compensable: bool = False
    ) -> None: ...

    def close_failure(self, subject: str, note: str = "step succeeded") -> None: ...


class ActivationSteps(Protocol):
    """A signed contract set up in every system, or set back when a person rejects it."""

    def set_up_in_erp(self, contract_id: str) -> StepOutcome: ...

    def publish_terms(self, contract_id: str) -> StepOutcome: ...

    def provision_in_psa(self, contract_id: str) -> StepOutcome: ...

    def confirm_in_crm(self, contract_id: str) -> StepOutcome: ...

    def issue_prepayment(self, contract_id: str) -> list[str]: ...

    def record_activation(self, contract_id: str) -> None: ...

    def posting_after_activation(self, contract: str) -> list[str]: ...

    def compensate(self, contract_id: str, compensation: Compensation) -> StepOutcome: ...

    def withdraw(self, contract_id: str) -> None: ...


class AmendmentSteps(Protocol):
    """An amended contract's terms carried to billing and the PSA."""

    def publish_terms(self, contract_id: str) -> StepOutcome: ...

    def publish_rates_in_psa(self, contract_id: str) -> StepOutcome: ...

    def amendment_propagated(self, contract_id: str, version: int) -> None: ...


class InvoiceRunSteps(Protocol):
    """Documents issued for a period, and the ones still to post."""

    def issue(self, through: date, contract: str | None = None) -> list[str]: ...

    def awaiting_posting(self) -> list[str]: ...


class PostingSteps(Protocol):
    """An issued document carried to billing and the ERP, then written back."""

    def record_in_billing(self, number: str) -> StepOutcome: ...

    def post_to_erp(self, number: str) -> StepOutcome: ...

    def mark_posted(self, number: str) -> None: ...

    def write_back(self, number: str) -> StepOutcome: ...


class PaymentFeedbackSteps(Protocol):
    """A payment the ERP reported, told to billing and the CRM."""

    def mirror_payment(self, payment: v1.Payment) -> StepOutcome: ...

    def payments_due(self) -> list[v1.Payment]: ...

    def payment_fed_back(self, payment_id: str) -> None: ...
