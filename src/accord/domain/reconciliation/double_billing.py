"""Double billing: the same item billed on two live documents.

Every line that bills an item (a time entry, an expense, a milestone) belongs to one
*billing* of it, named by its origin invoice: the first charge and every correction or
credit of that charge (corrections carry the invoice they correct). A billing is live
while its origin was not credited in full and its lines still net to more than zero; a
correction (credit note and supplementary line) stays within the one billing, and a
credit note that takes the charge back ends it, so a corrected or re-issued item is not
billed twice. An item with two live billings or more is `double_billed`: the earliest
billing is the one that stands, and the amount at risk is the excess, what the later
live billings charge on top of it.

`double_billed` is the reference implementation; the DuckDB engine implements the same
rule for volume and tests hold the two to the same findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from accord.domain.reconciliation.kinds import DiscrepancyKind, Finding
from accord.domain.reconciliation.records import ChargeRecord


@dataclass(slots=True)
class _Billing:
    origin: str
    on: date | None
    amount: Decimal
    currency: str | None
    cancelled: bool

    def add(self, charge: ChargeRecord) -> None:
        self.amount += charge.amount
        self.cancelled = self.cancelled or charge.cancelled
        if charge.on is not None and (self.on is None or charge.on < self.on):
            self.on = charge.on
        self.currency = min(filter(None, (self.currency, charge.currency)), default=None)

    @property
    def live(self) -> bool:
        return not self.cancelled and self.amount > 0

    def order(self) -> tuple[date, str]:
        return (self.on or date.max, self.origin)


def _billings(charges: Iterable[ChargeRecord]) -> dict[str, dict[str, _Billing]]:
    items: dict[str, dict[str, _Billing]] = {}
    for charge in charges:
        billings = items.setdefault(charge.key, {})
        billing = billings.get(charge.origin)
        if billing is None:
            billing = billings[charge.origin] = _Billing(
                charge.origin, None, Decimal(0), None, False
            )
        billing.add(charge)
    return items


def double_billed(comparison: str, charges: Iterable[ChargeRecord]) -> list[Finding]:
    """The items one system's documents bill more than once, sorted by key.

    Each finding is dated by the first billing beyond the one that stands, names the
    standing origin (left) and the others (right), and carries the excess at risk in
    the item's currency (the least one named, should its lines disagree).
    """
    findings = []
    for key, billings in _billings(charges).items():
        live = sorted((b for b in billings.values() if b.live), key=_Billing.order)
        if len(live) < 2:
            continue
        first, again = live[0], live[1:]
        excess = sum((b.amount for b in again), Decimal(0))
        findings.append(
            Finding(
                comparison,
                DiscrepancyKind.DOUBLE_BILLED,
                key,
                again[0].on,
                excess,
                min((b.currency for b in live if b.currency), default=None),
                first.origin,
                " ".join(b.origin for b in again),
            )
        )
    return sorted(findings, key=lambda f: f.key)
