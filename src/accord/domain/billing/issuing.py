"""Issuing documents and staging ledger changes during a run.

Changes are staged per contract (`Issuer`) and merged into the run's `LedgerChanges`
only when the contract's documents were all issued, so a blocked contract leaves no
trace. The big mappings of the ledger are copied once per run, not once per contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from accord.domain.billing.documents import (
    Document,
    DocumentKind,
    DraftLine,
    LineKind,
    build_document,
    record_credit,
)
from accord.domain.billing.ledger import BilledEntry, BillingLedger, IntercompanyCharge, TermKey
from accord.domain.billing.numbering import next_number
from accord.domain.billing.state import BillingState
from accord.domain.billing.tax import find_tax_rule
from accord.domain.billing.time_charges import PENDING_INVOICE, TimeOutcome
from accord.domain.contracts.model import Contract, RetainerTerm, TimeAndMaterialsTerm
from accord.domain.contracts.rates import RateKey
from accord.domain.exceptions import ExceptionKind
from accord.domain.money import allocate

ONE = Decimal(1)


def credit_room(document: Document) -> Decimal:
    """What an invoice can still be credited: its gross less what credit notes took."""
    return max(Decimal(0), document.gross_total - document.credited)


@dataclass(slots=True)
class LedgerChanges:
    """Additions and replacements to apply to a `BillingLedger`."""

    counters: dict[tuple[str, str], int]
    documents: dict[str, Document] = field(default_factory=dict)
    entries: dict[str, BilledEntry] = field(default_factory=dict)
    expenses: dict[str, str] = field(default_factory=dict)
    expense_billed: dict[str, Decimal] = field(default_factory=dict)
    milestones: dict[tuple[str, str, str], str] = field(default_factory=dict)
    cap_billed: dict[TermKey, Decimal] = field(default_factory=dict)
    held: dict[TermKey, Decimal] = field(default_factory=dict)
    retainer_balance: dict[TermKey, Decimal] = field(default_factory=dict)
    prepayments: dict[TermKey, str] = field(default_factory=dict)
    intercompany: list[IntercompanyCharge] = field(default_factory=list)
    consumed: set[tuple[ExceptionKind, str]] = field(default_factory=set)
    declined: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    used_rates: set[tuple[str, str, RateKey]] = field(default_factory=set)

    def absorb(self, other: LedgerChanges) -> None:
        self.counters = other.counters
        for name in (
            "documents",
            "entries",
            "expenses",
            "expense_billed",
            "milestones",
            "cap_billed",
            "held",
            "retainer_balance",
            "prepayments",
            "declined",
        ):
            getattr(self, name).update(getattr(other, name))
        self.intercompany += other.intercompany
        self.consumed |= other.consumed
        self.used_rates |= other.used_rates

    def apply(self, state: BillingState) -> BillingState:
        """The state with these changes applied to its ledger (one copy per mapping)."""
        old = state.ledger
        ledger = BillingLedger(
            documents={**old.documents, **self.documents},
            entries={**old.entries, **self.entries} if self.entries else old.entries,
            expenses={**old.expenses, **self.expenses},
            expense_billed={**old.expense_billed, **self.expense_billed},
            milestones={**old.milestones, **self.milestones},
            cap_billed={**old.cap_billed, **self.cap_billed},
            held={**old.held, **self.held},
            retainer_balance={**old.retainer_balance, **self.retainer_balance},
            prepayments={**old.prepayments, **self.prepayments},
            counters=self.counters,
            intercompany=old.intercompany + tuple(self.intercompany),
            decisions={k: v for k, v in old.decisions.items() if k not in self.consumed},
            declined={**old.declined, **self.declined},
            used_rates=old.used_rates | self.used_rates,
        )
        return replace(state, ledger=ledger)


class Issuer:
    """Issues one contract's documents on a date and stages what they bill."""

    def __init__(
        self,
        state: BillingState,
        contract: Contract,
        on: date,
        counters: dict[tuple[str, str], int],
    ) -> None:
        self._state = state
        self._contract = contract
        self.issue_date = state.first_open_day(contract.entity, on)
        self.changes = LedgerChanges(counters=counters)

    def document(self, number: str) -> Document:
        return self.changes.documents.get(number) or self._state.ledger.documents[number]

    def issue(self, kind: DocumentKind, lines: list[DraftLine]) -> Document:
        """Number and issue a document; raises when the tax rule is missing."""
        contract = self._contract
        customer = self._state.customers[contract.customer]
        rule = find_tax_rule(self._state.firm, contract.entity, customer.country, contract.id)
        number, self.changes.counters = next_number(self.changes.counters, contract.entity, kind)
        references = tuple(dict.fromkeys(ln.reference for ln in lines if ln.reference))
        header = (contract.id, customer.id, contract.entity, contract.currency)
        document = build_document(number, kind, header, self.issue_date, references, lines, rule)
        if kind is DocumentKind.CREDIT_NOTE:
            document = replace(document, references=self._credit_originals(document))
        self.changes.documents[number] = document
        return document

    def _credit_originals(self, credit_note: Document) -> tuple[str, ...]:
        """Reduce each referenced invoice by its share of the credit note's gross and
        return the references the credit note ends up naming.

        The credit note's tax is split in proportion to the nets, never rounded per
        invoice, so the invoices are reduced by exactly what the credit note credits.
        A share beyond what an invoice still has to credit (its gross less earlier
        credits) goes to the invoices that corrected it upwards, oldest first, which are
        then referenced too. Only the rounding of credit lines one by one can leave a
        few cents beyond an invoice's gross (see docs/billing.md)."""
        nets = [
            -sum((ln.net for ln in credit_note.lines if ln.reference == reference), Decimal(0))
            for reference in credit_note.references
        ]
        taxes = allocate(-credit_note.tax_total, nets, credit_note.currency)
        named = list(credit_note.references)
        for reference, net, tax in zip(credit_note.references, nets, taxes, strict=True):
            left = self._credit_up_to_room(reference, net + tax)
            for upward in self._corrections_of(reference) if left > 0 else ():
                credited = left - self._credit_up_to_room(upward, left)
                left -= credited
                if credited and upward not in named:
                    named.append(upward)
            if left > 0:  # nothing else to spread it on: the original carries the rest
                self.changes.documents[reference] = record_credit(self.document(reference), left)
        return tuple(named)

    def _credit_up_to_room(self, invoice: str, amount: Decimal) -> Decimal:
        """Credit `invoice` with as much of `amount` as it has left; return the rest."""
        document = self.document(invoice)
        share = min(amount, credit_room(document))
        if share > 0:
            self.changes.documents[invoice] = record_credit(document, share)
            return amount - share
        return amount

    def _corrections_of(self, invoice: str) -> list[str]:
        """Invoices of this contract that reference `invoice` (upward corrections), in
        issue order."""
        documents = {**self._state.ledger.documents, **self.changes.documents}
        return [
            d.number
            for d in documents.values()
            if d.kind is DocumentKind.INVOICE
            and d.contract == self._contract.id
            and invoice in d.references
        ]

    def record_time(self, time: TimeOutcome, invoice: str | None) -> None:
        for entry_id, billed in time.billed.items():
            if billed.invoice == PENDING_INVOICE:
                billed = replace(billed, invoice=invoice or PENDING_INVOICE)
            self.changes.entries[entry_id] = billed
        self.changes.consumed |= set(time.consumed)
        self.changes.declined.update(time.declined)
        self.changes.used_rates |= time.used_rates

    def record_items(
        self, invoice: str | None, expenses: list[str], milestones: list[tuple[str, str]]
    ) -> None:
        """Mark expenses and (term, milestone) pairs as billed on `invoice`."""
        if invoice is None:
            return
        for expense in expenses:
            self.changes.expenses[expense] = invoice
        for term, milestone in milestones:
            self.changes.milestones[(self._contract.id, term, milestone)] = invoice

    def issue_prepayment(self) -> Document | None:
        """The prepayment invoice (386) of a signed contract's retainers, once."""
        contract, ledger = self._contract, self._state.ledger
        if contract.id not in self._state.signed:
            return None
        lines, keys = [], []
        for term in contract.terms:
            key = (contract.id, term.id)
            if isinstance(term, RetainerTerm) and key not in ledger.prepayments:
                prepaid = term.prepaid
                lines.append(
                    DraftLine(
                        LineKind.PREPAYMENT, term.id, "retainer prepayment", ONE, prepaid, prepaid
                    )
                )
                keys.append((key, prepaid))
        if not lines:
            return None
        document = self.issue(DocumentKind.PREPAYMENT, lines)
        for key, prepaid in keys:
            self.changes.prepayments[key] = document.number
            self.changes.retainer_balance[key] = (
                ledger.retainer_balance.get(key, Decimal(0)) + prepaid
            )
        return document

    def retainer_balance_now(self) -> dict[TermKey, Decimal]:
        """Balances as they stand now, including a prepayment issued in this run."""
        return {**self._state.ledger.retainer_balance, **self.changes.retainer_balance}

    def record_balances(
        self,
        issued: list[Document],
        held: dict[TermKey, Decimal],
        retainer_balance: dict[TermKey, Decimal],
        intercompany: tuple[IntercompanyCharge, ...],
    ) -> None:
        """Cap usage, held value, retainer balances and intercompany rows of the run."""
        ledger = self._state.ledger
        for term in self._contract.terms:
            if not isinstance(term, TimeAndMaterialsTerm) or term.cap is None:
                continue
            key = (self._contract.id, term.id)
            billed = sum(
                (ln.net for d in issued for ln in d.lines if ln.term == term.id), Decimal(0)
            )
            if billed:
                self.changes.cap_billed[key] = ledger.cap_billed.get(key, Decimal(0)) + billed
        self.changes.held.update(held)
        self.changes.retainer_balance.update(retainer_balance)
        self.changes.intercompany += intercompany
