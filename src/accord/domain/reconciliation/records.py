"""What each system holds, reduced to the fields reconciliation compares.

One plain record shape per comparison. Every shape has the same four common fields so the
rules can treat them alike: `key` (the business key both systems share), `on` (the
business date ageing counts from), `amount` and `currency` (what is at risk when the
record is missing or wrong; None when the system does not know it). A field set to None
is unknown to that system and is not compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ContractRecord:
    """A contract as one system knows it (signed in the CLM, set up elsewhere)."""

    key: str
    on: date | None
    customer: str | None = None
    entity: str | None = None
    currency: str | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    """The delivery project of a contract in the PSA or the ERP (key = project id)."""

    key: str
    on: date | None
    contract: str | None = None
    customer: str | None = None
    entity: str | None = None
    status: str | None = None
    amount: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class WorkRecord:
    """Approved billable time on one entry (PSA) or what was billed for it (the hub).

    `hours` are net of credit notes on the billed side; `amount` is the standard value
    (hours at the rate on the work date) when the hub can price it.
    """

    key: str
    on: date | None
    contract: str | None = None
    hours: Decimal | None = None
    amount: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """An invoice, credit note or prepayment by its number; `amount` is the gross total.

    `status` is the settlement status (`open`, `partially_paid`, `paid`) where the
    system maintains one, None where it does not (see `settlement_status`).
    """

    key: str
    on: date | None
    contract: str | None = None
    currency: str | None = None
    net_total: Decimal | None = None
    tax_total: Decimal | None = None
    amount: Decimal | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """A payment received, by its id, and the invoice number it was applied to."""

    key: str
    on: date | None
    invoice: str | None = None
    amount: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class ChargeRecord:
    """What one document line bills for one item, as one system holds the document.

    `key` names the item: `time_entry:<id>`, `expense:<id>` or
    `milestone:<contract>/<term>/<milestone>`. `document` is the document the line is on
    and `origin` the invoice whose billing of the item the line belongs to: the document
    itself for a first charge, the invoice it corrects for a correction or a credit.
    `amount` is the line's net for the item (negative on a credit note), `on` the
    document's issue date, and `cancelled` says the origin was credited in full.
    Unlike the other records, an item has as many charge records as lines that bill it.
    """

    key: str
    on: date | None
    document: str
    origin: str
    amount: Decimal
    currency: str | None = None
    cancelled: bool = False


Record = ContractRecord | ProjectRecord | WorkRecord | DocumentRecord | PaymentRecord | ChargeRecord

_SETTLEMENT = {
    "issued": "open",
    "posted": "open",
    "open": "open",
    "partially_paid": "partially_paid",
    "paid": "paid",
}


def settlement_status(word: str | None) -> str | None:
    """A system's status word as a comparable settlement status.

    Issued, posted and open all mean "nothing paid yet". `credited` and words no rule
    knows give None: a document settled by a credit note is compared on its amounts only.
    """
    return _SETTLEMENT.get(word or "")
