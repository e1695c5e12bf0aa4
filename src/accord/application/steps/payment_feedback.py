"""The payment feedback's steps: a payment the ERP reported, told to billing and the CRM."""

from __future__ import annotations

from accord.application.steps.context import StepContext, StepOutcome, attempt
from accord.canonical import v1


class PaymentFeedback:
    """Mirror an applied payment to billing and the CRM, and list those still owed."""

    def __init__(self, context: StepContext) -> None:
        self.context = context

    def mirror_payment(self, payment: v1.Payment) -> StepOutcome:
        """Billing and the CRM record a payment the ERP reported, and the invoice's new
        status; each write is keyed by the payment id, so repeats change nothing."""
        gateways, billing = self.context.gateways, self.context.billing

        def write() -> None:
            gateways.billing.record_payment(payment)
            gateways.crm.record_payment(payment)
            document = billing.document(payment.invoice) if payment.invoice else None
            if document is not None:
                status = v1.InvoiceStatus(document.status.value)
                gateways.crm.record_invoice_status(document.number, status)

        applied_to = billing.document(payment.invoice) if payment.invoice else None
        after = {
            "invoice": payment.invoice or "",
            "amount": str(payment.amount),
            "currency": payment.currency,
            "invoice_status": str(applied_to.status) if applied_to else "unknown",
        }
        outcome = attempt("billing", write)
        return self.context.changed(outcome, "payment.fed_back", payment.id, after)

    def payments_due(self) -> list[v1.Payment]:
        """Payments billing applied whose feedback to billing and the CRM is unfinished."""
        due = self.context.billing.payments_to_feed_back()
        return [self.context.record(v1.Payment, key) for key in due]

    def payment_fed_back(self, payment_id: str) -> None:
        self.context.billing.payment_fed_back(payment_id)
