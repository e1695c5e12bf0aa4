"""Payments and posting confirmations: the status transitions of issued documents.

`issued` -> `posted` when the ERP confirms; payments move a document to
`partially_paid` or `paid`; credit notes covering an invoice make it `credited`.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from accord.domain.billing.documents import DocumentKind, mark_posted, record_payment
from accord.domain.billing.state import BillingState
from accord.domain.exceptions import BusinessException, ExceptionKind


def confirm_posting(state: BillingState, number: str) -> BillingState:
    """The ERP holds document `number`: an `issued` document becomes `posted`."""
    ledger = state.ledger
    document = mark_posted(ledger.documents[number])
    return replace(state, ledger=replace(ledger, documents={**ledger.documents, number: document}))


def apply_payment(
    state: BillingState, number: str, amount: Decimal, currency: str
) -> tuple[BillingState, tuple[BusinessException, ...]]:
    """Apply a payment to invoice `number` up to its open amount.

    What cannot be applied (unknown invoice, another currency, more than is open) is an
    `unapplied_payment` exception for billing, with the unapplied amount at risk.
    """
    document = state.ledger.documents.get(number)
    if document is None or document.kind is DocumentKind.CREDIT_NOTE:
        return state, (_unapplied(number, amount, currency, "names no invoice Accord issued"),)
    if document.currency != currency:
        reason = f"is in {currency} but the invoice is in {document.currency}"
        return state, (_unapplied(number, amount, currency, reason),)
    applied = min(amount, max(Decimal(0), document.open_amount))
    problems: tuple[BusinessException, ...] = ()
    if applied < amount:
        problems = (_unapplied(number, amount - applied, currency, "exceeds what is due"),)
    if applied <= 0:
        return state, problems
    ledger = state.ledger
    paid = record_payment(document, applied)
    updated = replace(ledger, documents={**ledger.documents, number: paid})
    return replace(state, ledger=updated), problems


def _unapplied(number: str, amount: Decimal, currency: str, reason: str) -> BusinessException:
    return BusinessException(
        ExceptionKind.UNAPPLIED_PAYMENT,
        number,
        f"a payment of {amount} {currency} for {number} {reason}: match it to the right "
        f"invoice or refund it",
        amount_at_risk=amount,
        currency=currency,
    )
