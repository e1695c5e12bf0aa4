"""What Tryton is sent so that its ledger holds the issued figures, to the cent.

Tryton computes a line amount as quantity x unit price rounded half-even, and each tax
on the unrounded line amounts; Accord rounds every line half-up and taxes the sum of the
rounded nets per (category, rate) (EN 16931 BR-CO-17, see DOMAIN.md). Two things make
Tryton store Accord's figures:

- A line is sent as it was issued only when quantity x unit price is exactly its net and
  Tryton keeps every digit (2 decimals of quantity, 4 of unit price). Otherwise it is
  sent as quantity 1 at the net; the issued quantity and unit price travel in the line
  note, so a read-back still shows them.
- The invoice's tax lines are sent with Accord's amounts. Tryton recomputes a tax line
  only when its base differs from the base it computes itself
  (``account.invoice.update_taxes``), and the bases agree because every line amount is
  exact, so it keeps the amounts as sent, also when it posts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from accord.canonical.v1 import Invoice, InvoiceLine
from accord.domain.money import round_to_currency

QUANTITY_PLACES = 2  # the digits of Tryton's Hour and Unit
PRICE_PLACES = 4  # Tryton's default price digits (product configuration)


@dataclass(frozen=True)
class TaxAccounts:
    """A Tryton tax's description and the accounts its invoice and credit lines use."""

    description: str
    invoice_account: int
    credit_note_account: int


@dataclass(frozen=True)
class SentLine:
    """A line's quantity and unit price as sent, and the amount Tryton computes from them
    (the issued net, with the sign the document is sent with); `issued_quantity` is the
    issued quantity in that sign, what the line note keeps when the line is reshaped."""

    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    issued_quantity: Decimal
    reshaped: bool = False  # sent as one unit at its net instead of as issued


def sent_line(line: InvoiceLine, sign: Decimal) -> SentLine:
    """Quantity and unit price for which Tryton's line amount is exactly the net."""
    quantity, amount = line.quantity * sign, line.net * sign
    exact = (
        _places(line.quantity) <= QUANTITY_PLACES
        and _places(line.unit_price) <= PRICE_PLACES
        and quantity * line.unit_price == amount
    )
    if exact:
        return SentLine(quantity, line.unit_price, amount, quantity)
    one = Decimal(1) if amount >= 0 else Decimal(-1)
    return SentLine(one, abs(amount), amount, quantity, reshaped=True)


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def tax_line_values(
    invoice: Invoice,
    sign: Decimal,
    sent: Sequence[SentLine],
    taxes_by_rate: Mapping[Decimal, int],
    tax_accounts: Mapping[int, TaxAccounts],
) -> list[dict[str, Any]]:
    """One Tryton tax line per (tax, sign of the base), as Tryton groups them, holding
    Accord's tax: per (category, rate) on the sum of nets, split between positive and
    negative lines where a document has both (the negative share takes the remainder)."""
    shares: dict[tuple[int, bool], list[Decimal]] = {}  # (tax, base >= 0) -> [base, tax]
    for (_, rate), indexes in _groups(invoice.lines).items():
        if not rate:
            continue
        net = sum((invoice.lines[i].net for i in indexes), Decimal(0))
        remaining = sign * round_to_currency(net * rate / 100, invoice.currency)
        positives = [i for i in indexes if sent[i].amount >= 0]
        negatives = [i for i in indexes if sent[i].amount < 0]
        for positive, members in ((True, positives), (False, negatives)):
            if not members:
                continue
            base = sum((sent[i].amount for i in members), Decimal(0))
            share = (
                round_to_currency(base * rate / 100, invoice.currency)
                if positive and negatives
                else remaining
            )
            entry = shares.setdefault((taxes_by_rate[rate / 100], positive), [Decimal(0)] * 2)
            entry[0] += base
            entry[1] += share
            remaining -= share
    _settle_leftover(shares, sign * invoice.tax_total)
    return [
        {
            "description": tax_accounts[tax].description,
            "tax": tax,
            "account": tax_accounts[tax].invoice_account
            if positive
            else tax_accounts[tax].credit_note_account,
            "base": base,
            "amount": amount,
            "manual": False,
        }
        for (tax, positive), (base, amount) in shares.items()
    ]


def _groups(lines: Sequence[InvoiceLine]) -> dict[tuple[str, Decimal], list[int]]:
    groups: dict[tuple[str, Decimal], list[int]] = {}
    for index, line in enumerate(lines):
        groups.setdefault((line.tax_category.value, line.tax_rate), []).append(index)
    return groups


def _settle_leftover(shares: dict[tuple[int, bool], list[Decimal]], tax_total: Decimal) -> None:
    """The tax lines add up to the document's tax total: a difference (a document whose
    total was not the sum of its groups) goes to the last tax line."""
    if not shares:
        return
    leftover = tax_total - sum((entry[1] for entry in shares.values()), Decimal(0))
    list(shares.values())[-1][1] += leftover
