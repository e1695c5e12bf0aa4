"""Does the ledger agree with the issued document? Exact to the cent, per currency.

An ERP recomputes what it is sent, its own way (rounding mode, tax per line or per
document). After a posting the hub reads the ERP's totals back; any difference from
the document the customer received is a `posting_mismatch` for finance, with both
figures, never a silent correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accord.domain.exceptions import BusinessException, ExceptionKind
from accord.domain.money import round_to_currency


@dataclass(frozen=True, slots=True)
class DocumentTotals:
    """A document's untaxed amount, tax and total in its currency, as one system holds it."""

    currency: str
    untaxed: Decimal
    tax: Decimal
    total: Decimal

    def as_details(self) -> dict[str, str]:
        """The figures as strings (exact decimals, never floats), for an exception."""
        return {
            "currency": self.currency,
            "untaxed": str(self.untaxed),
            "tax": str(self.tax),
            "total": str(self.total),
        }


def totals_agree(issued: DocumentTotals, posted: DocumentTotals) -> bool:
    """Same currency and the same untaxed, tax and total to the currency's minor unit."""
    if issued.currency != posted.currency:
        return False
    return all(
        round_to_currency(ours, issued.currency) == round_to_currency(theirs, issued.currency)
        for ours, theirs in (
            (issued.untaxed, posted.untaxed),
            (issued.tax, posted.tax),
            (issued.total, posted.total),
        )
    )


def posting_mismatch(
    number: str, issued: DocumentTotals, posted: DocumentTotals, system: str = "erp"
) -> BusinessException | None:
    """The `posting_mismatch` to open when `system` holds other totals than the issued
    document `number`; None when they agree. The amount at risk is the largest gap."""
    if totals_agree(issued, posted):
        return None
    gaps = (
        abs(issued.untaxed - posted.untaxed),
        abs(issued.tax - posted.tax),
        abs(issued.total - posted.total),
    )
    message = (
        f"{system} holds {number} as untaxed {posted.untaxed} + tax {posted.tax} = "
        f"{posted.total} {posted.currency}, but the issued document says untaxed "
        f"{issued.untaxed} + tax {issued.tax} = {issued.total} {issued.currency}: correct "
        f"the entry in {system} (or credit and reissue), then skip this exception"
    )
    return BusinessException(
        ExceptionKind.POSTING_MISMATCH,
        number,
        message,
        amount_at_risk=max(gaps) if issued.currency == posted.currency else issued.total,
        currency=issued.currency,
    )
