"""The flow registry: each flow's own steps, as bootstrap wires them.

`engine.launch` hands each flow the steps registered for it, and nothing else: a flow
reaches no other use case and no service locator.
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.application.einvoicing import EInvoicing
from accord.application.flow_steps import (
    ActivationSteps,
    AmendmentSteps,
    FailureSteps,
    InvoiceRunSteps,
    PaymentFeedbackSteps,
    PostingSteps,
)


@dataclass(frozen=True)
class FlowRegistry:
    """The steps of every flow the hub runs."""

    activation: ActivationSteps
    amendment: AmendmentSteps
    invoice_run: InvoiceRunSteps
    posting: PostingSteps
    payment_feedback: PaymentFeedbackSteps
    failures: FailureSteps
    """How every flow opens and closes the exception a failed step waits on."""
    einvoicing: EInvoicing | None = None
    """When set, posting validates each document's e-invoice before sending it."""
