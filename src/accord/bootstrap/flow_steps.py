"""Each durable flow's own steps, wired over one shared `StepContext`."""

from __future__ import annotations

from accord.application.einvoicing import EInvoicing
from accord.application.steps.activation import ContractActivation
from accord.application.steps.amendment import ContractAmendment
from accord.application.steps.context import StepContext
from accord.application.steps.failures import StepFailures
from accord.application.steps.invoice_run import InvoiceRun
from accord.application.steps.payment_feedback import PaymentFeedback
from accord.application.steps.posting import DocumentPosting
from accord.flows.registry import FlowRegistry


def flow_registry(context: StepContext, einvoicing: EInvoicing | None = None) -> FlowRegistry:
    """Each durable flow's own steps over one shared `context`; with `einvoicing`,
    posting validates each document's e-invoice before sending it."""
    return FlowRegistry(
        activation=ContractActivation(context),
        amendment=ContractAmendment(context),
        invoice_run=InvoiceRun(context),
        posting=DocumentPosting(context),
        payment_feedback=PaymentFeedback(context),
        failures=StepFailures(context.exceptions),
        einvoicing=einvoicing,
    )
