"""The billing book and how an applied record changes it (pure: no store, no lock).

`BillingBook` is what the hub keeps for billing; `apply_record` folds one applied
canonical record into the engine's state; `apply_to_book` does it for the book, turning a
record that names something billing does not know into an exception instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from accord.application import billing_mapping as to_domain
from accord.canonical import v1
from accord.canonical.base import CanonicalModel
from accord.domain.billing import state as engine
from accord.domain.billing.payments import apply_payment
from accord.domain.billing.settled import RunBasis
from accord.domain.billing.state import BillingState
from accord.domain.contracts.model import Firm, TimeAndMaterialsTerm
from accord.domain.delivery.model import Expense, TimeEntry
from accord.domain.exceptions import BusinessException, ExceptionKind


@dataclass(frozen=True, slots=True)
class AppliedPayment:
    invoice: str
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class BillingBook:
    """What the hub keeps for billing: the engine's state and the payments applied to it
    (by payment id, so a payment reported twice is applied once), and when each contract
    finished activation and each document was first confirmed posted (the hub's clock),
    which the business KPIs measure."""

    state: BillingState
    payments: dict[str, AppliedPayment] = field(default_factory=dict)
    activated_at: dict[str, datetime] = field(default_factory=dict)
    posted_at: dict[str, datetime] = field(default_factory=dict)
    amendments: dict[str, int] = field(default_factory=dict)
    """Contracts whose terms were amended and not yet carried to billing and the PSA,
    with the contract version that amended them last (the amendment flow's key)."""
    feedback_due: tuple[str, ...] = ()
    """Payments applied here and not yet reported to the billing system and the CRM (the
    payment feedback flow's key), noted in the save that applied them, so a crash before
    the flow starts loses none."""
    settled_entries: dict[str, TimeEntry] = field(default_factory=dict, compare=False)
    """Time entries (of those loaded) an invoice run of their contract may leave unread,
    as they stood when a run settled them: one that changed since is no longer settled
    (see `domain.billing.settled`). What a run must read, not what was billed, so not
    part of the book's equality; likewise `settled_expenses` and `run_bases`."""
    settled_expenses: dict[str, Expense] = field(default_factory=dict, compare=False)
    run_bases: dict[str, RunBasis] = field(default_factory=dict, compare=False)
    """Contract -> what its settled items were priced against."""


EMPTY = BillingState(Firm(()), {}, {}, {})
"""The state of a hub that has billed nothing yet."""


def _apply_master(state: BillingState, record: CanonicalModel) -> BillingState:
    if isinstance(record, v1.LegalEntity):
        kept = tuple(e for e in state.firm.entities if e.id != record.id)
        return replace(state, firm=replace(state.firm, entities=(*kept, to_domain.entity(record))))
    if isinstance(record, v1.Customer):
        return replace(state, customers={**state.customers, record.id: to_domain.customer(record)})
    if isinstance(record, v1.Resource):
        return replace(state, resources={**state.resources, record.id: to_domain.resource(record)})
    return state


def _amendments(state: BillingState, record: v1.Contract) -> BillingState:
    """Fold what changed on the contract's T&M terms in as amendments: new rate versions
    are added (a version already used is never changed) and a new cap replaces the old."""
    known = state.contracts[record.id]
    for term in record.terms:
        if not isinstance(term, v1.TimeAndMaterialsTerm):
            continue
        before = known.term(term.id)
        if not isinstance(before, TimeAndMaterialsTerm):
            continue
        rates = [r for r in to_domain.rate_versions(term.rates) if r not in before.rates]
        people = [
            p for p in to_domain.person_rates(term.person_rates) if p not in before.person_rates
        ]
        cap = term.cap if term.cap != before.cap else None
        if rates or people or cap is not None:
            state = engine.amend_contract(
                state, record.id, term.id, rates, people, cap, _effective(record)
            )
    return state


def _effective(record: v1.Contract | v1.Amendment) -> date | None:
    """The day an amended cap takes effect: the amendment's signing day, else the day the
    source changed the record (revenue of earlier months keeps the cap then in force)."""
    signed = record.signed_on if isinstance(record, v1.Amendment) else None
    if signed is not None:
        return signed
    return record.updated_at.date() if record.updated_at else None


def _apply_contract(state: BillingState, record: v1.Contract) -> BillingState:
    contract = to_domain.contract(record)
    if record.id in state.contracts:  # terms evolve through amendments, never in place
        state = _amendments(state, record)
        contract = replace(contract, terms=state.contracts[record.id].terms)
    signed = dict(state.signed)
    if record.status in (v1.ContractStatus.SIGNED, v1.ContractStatus.ACTIVE):
        signed.setdefault(record.id, record.signed_on or record.start)
    return replace(state, contracts={**state.contracts, record.id: contract}, signed=signed)


def _apply_delivery(state: BillingState, record: CanonicalModel) -> BillingState:
    if isinstance(record, v1.TimeEntry):
        return engine.approve_time(state, [to_domain.time_entry(record)])
    if isinstance(record, v1.Expense):
        return engine.approve_expenses(state, [to_domain.expense(record)])
    if isinstance(record, v1.Milestone):
        accepted = record.state in (v1.MilestoneState.ACCEPTED, v1.MilestoneState.INVOICED)
        key = (record.contract, record.term, record.milestone)
        return engine.set_milestone(state, key, accepted=accepted, on_hold=record.on_hold)
    if isinstance(record, v1.Amendment):
        return engine.amend_contract(
            state,
            record.contract,
            record.term,
            to_domain.rate_versions(record.rates),
            to_domain.person_rates(record.person_rates),
            record.cap,
            _effective(record),
        )
    return state


def apply_record(state: BillingState, record: CanonicalModel) -> BillingState:
    """Fold one applied canonical record into the billing state."""
    if isinstance(record, v1.Contract):
        return _apply_contract(state, record)
    if isinstance(record, v1.LegalEntity | v1.Customer | v1.Resource):
        return _apply_master(state, record)
    return _apply_delivery(state, record)


def apply_to_book(
    book: BillingBook, record: CanonicalModel
) -> tuple[BillingBook, tuple[BusinessException, ...]]:
    """Fold one applied record (a payment included) into the book; what it names and
    billing does not know is reported, not applied. A payment newly applied is noted as
    due for feedback; a contract whose terms changed is noted as amended."""
    if isinstance(record, v1.Payment):
        return _apply_payment(book, record)
    after, found = _apply_or_report(book, record)
    return _note_amendment(book, after, record), found


def _note_amendment(before: BillingBook, after: BillingBook, record: CanonicalModel) -> BillingBook:
    """Remember a known contract whose terms this record changed (an amendment)."""
    if not isinstance(record, v1.Contract):
        return after
    known = before.state.contracts.get(record.id)
    amended = after.state.contracts.get(record.id)
    if known is None or amended is None or known.terms == amended.terms:
        return after
    return replace(after, amendments={**after.amendments, record.id: record.version})


def _apply_or_report(
    book: BillingBook, record: CanonicalModel
) -> tuple[BillingBook, tuple[BusinessException, ...]]:
    """Apply a record; one that names something billing does not know (a milestone the
    contract lacks, a term that is not T&M) becomes an exception instead of blocking
    every record behind it."""
    try:
        return replace(book, state=apply_record(book.state, record)), ()
    except (KeyError, ValueError) as error:
        reason = error.args[0] if error.args else str(error)
        problem = BusinessException(
            ExceptionKind.UNKNOWN_REFERENCE,
            record.business_key(),
            f"{record.SCHEMA_NAME} {record.business_key()} was not applied to billing: {reason}",
        )
        return book, (problem,)


def _apply_payment(
    book: BillingBook, payment: v1.Payment
) -> tuple[BillingBook, tuple[BusinessException, ...]]:
    if payment.id in book.payments:
        return book, ()
    if payment.invoice is None:
        problem = BusinessException(
            ExceptionKind.UNAPPLIED_PAYMENT,
            payment.id,
            f"payment {payment.id} of {payment.amount} {payment.currency} names no invoice",
            amount_at_risk=payment.amount,
            currency=payment.currency,
        )
        return book, (problem,)
    state, problems = apply_payment(book.state, payment.invoice, payment.amount, payment.currency)
    applied = AppliedPayment(payment.invoice, payment.amount, payment.currency)
    payments = {**book.payments, payment.id: applied}
    due = (*book.feedback_due, payment.id)
    return replace(book, state=state, payments=payments, feedback_due=due), problems
