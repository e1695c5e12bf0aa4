"""Billing use cases: keep the engine's state in step with the store, run invoices.

The billing engine (domain) is a pure function of its state. This service loads that
state, feeds it what the event log applied since its checkpoint (master data, approved
time, expenses, milestones, amendments), runs the engine and saves the new state together
with the checkpoint, so every applied record reaches billing exactly once.

Every load-change-save holds the store's lock and runs in one transaction that commits
before the lock is released, so no other writer loads a state about to be replaced. What
the caller records about the change (the audit rows and CloudEvents of the documents an
invoice run issued, the exceptions it raised) joins that transaction: a crash leaves
either all of it or none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from accord.application import billing_mapping as to_domain
from accord.application.clock import Clock, utc_now
from accord.application.ports import BusinessObject
from accord.application.unit_of_work import Transaction, each_on_its_own
from accord.canonical import v1
from accord.canonical.base import CanonicalModel
from accord.canonical.registry import model_for
from accord.domain.billing import state as engine
from accord.domain.billing.documents import Document
from accord.domain.billing.payments import apply_payment, confirm_posting
from accord.domain.billing.run import (
    InvoiceRunResult,
    run_invoicing,
    sign_contract,
    withdraw_contract,
)
from accord.domain.billing.state import BillingState
from accord.domain.calendar import Period
from accord.domain.contracts.model import Firm, FxQuote, TaxRule, TimeAndMaterialsTerm
from accord.domain.exceptions import BusinessException, ExceptionAction, ExceptionKind


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


@dataclass
class CatchUp:
    """What one catch-up found that a person must hear about."""

    problems: list[BusinessException] = field(default_factory=list)


class BillingStateStore(Protocol):
    """Persists the billing book and how far it has read the applied records."""

    def load(self) -> tuple[BillingBook | None, int]: ...

    def save(self, book: BillingBook, checkpoint: int) -> None: ...

    def exclusive(self) -> AbstractContextManager[None]:
        """Hold off every other writer (thread or process) for a load-change-save."""
        ...


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _serialised(
    method: Callable[Concatenate[BillingService, _P], _R],
) -> Callable[Concatenate[BillingService, _P], _R]:
    """Run a load-change-save under the store's lock, so two writers (the scheduler's
    catch-up and a flow marking a document posted) never overwrite each other, in one
    transaction opened inside the lock and committed before it is released."""

    def serialised(self: BillingService, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._store.exclusive(), self._transaction():
            return method(self, *args, **kwargs)

    serialised.__name__ = method.__name__
    serialised.__doc__ = method.__doc__
    return serialised


Recorded = Callable[[InvoiceRunResult], None]
"""Records what a run issued (audit rows, events, exceptions) in the run's transaction."""


def _nothing(result: InvoiceRunResult) -> None:
    del result


class AppliedRecords(Protocol):
    """The event log's effects, in the order they became visible (`applied_seq`)."""

    def changed_since(self, seq: int, limit: int) -> list[BusinessObject]: ...


@dataclass(frozen=True, slots=True)
class FirmConfiguration:
    """Finance's configuration: FX rates, tax rules and whether documents go out as
    EN 16931 e-invoices (entities come from master data)."""

    fx: tuple[FxQuote, ...] = ()
    tax: tuple[TaxRule, ...] = ()
    send_einvoices: bool = False


_EMPTY = BillingState(Firm(()), {}, {}, {})


def _decode(record: BusinessObject) -> CanonicalModel:
    return model_for(record.kind, 1).model_validate_json(record.data)


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


class BillingService:
    """The billing side of the hub: catch up with applied records, run, post, get paid."""

    def __init__(
        self,
        store: BillingStateStore,
        records: AppliedRecords,
        batch_size: int = 5_000,
        clock: Clock = utc_now,
        transaction: Transaction = each_on_its_own,
    ) -> None:
        self._store = store
        self._records = records
        self._batch_size = batch_size
        self._clock = clock
        self._transaction = transaction

    def _load(self) -> tuple[BillingBook, int]:
        book, checkpoint = self._store.load()
        return book or BillingBook(_EMPTY), checkpoint

    def state(self) -> BillingState:
        return self._load()[0].state

    def book(self) -> BillingBook:
        """The state with its payments and activation and posting times."""
        return self._load()[0]

    def configure_firm(self, configuration: FirmConfiguration) -> None:
        """Set FX rates, tax rules and `send_einvoices` (finance's configuration)."""

        def configure(state: BillingState) -> BillingState:
            firm = replace(
                state.firm,
                fx=configuration.fx,
                tax=configuration.tax,
                send_einvoices=configuration.send_einvoices,
            )
            return replace(state, firm=firm)

        self._update(configure)

    @_serialised
    def catch_up(self, stopping: Callable[[], bool] | None = None) -> CatchUp:
        """Apply every record the event log applied since the last catch-up; return the
        problems found on the way. A payment newly applied is noted as due for feedback
        (see `payments_to_feed_back`). Once `stopping()` says so it stops after the batch
        in hand (what it applied commits with its checkpoint; the next catch-up goes on
        from there)."""
        book, checkpoint = self._load()
        result = CatchUp()
        while not (stopping and stopping()) and (
            batch := self._records.changed_since(checkpoint, self._batch_size)
        ):
            for stored in batch:
                record = _decode(stored)
                if isinstance(record, v1.Payment):
                    book, found = _apply_payment(book, record)
                    result.problems += found
                else:
                    before = book
                    book, found = _apply_or_report(book, record)
                    book = _note_amendment(before, book, record)
                    result.problems += found
            checkpoint = batch[-1].applied_seq
            self._store.save(book, checkpoint)
        return result

    @_serialised
    def _update(self, change: Callable[[BillingState], BillingState]) -> BillingState:
        book, checkpoint = self._load()
        updated = change(book.state)
        self._store.save(replace(book, state=updated), checkpoint)
        return updated

    @_serialised
    def run_invoices(
        self, through: date, contract: str | None = None, recorded: Recorded = _nothing
    ) -> InvoiceRunResult:
        """Issue what is billable through `through`; the state is saved with the result,
        and whatever `recorded` writes about it commits in the same transaction."""
        book, checkpoint = self._load()
        result = run_invoicing(book.state, through, contract)
        self._store.save(replace(book, state=result.state), checkpoint)
        recorded(result)
        return result

    @_serialised
    def sign(self, contract: str, recorded: Recorded = _nothing) -> InvoiceRunResult:
        """Activate the contract in billing: a retainer issues its prepayment, dated on the
        signing day, once (`recorded` as in `run_invoices`)."""
        book, checkpoint = self._load()
        on = book.state.signed.get(contract)
        if on is None:
            raise KeyError(f"contract {contract} has not been signed")
        result = sign_contract(book.state, contract, on)
        self._store.save(replace(book, state=result.state), checkpoint)
        recorded(result)
        return result

    def close_period(self, entity: str, period: Period) -> None:
        self._update(lambda s: engine.close_period(s, entity, period))

    def reopen_period(self, entity: str, period: Period) -> None:
        self._update(lambda s: engine.reopen_period(s, entity, period))

    def withdraw(self, contract: str) -> date:
        """Bill nothing more on `contract` (its activation was rejected); returns the day."""
        on = self._clock().date()
        self._update(lambda s: withdraw_contract(s, contract, on))
        return on

    def decide(self, kind: ExceptionKind, subject: str, action: ExceptionAction) -> None:
        """Record a finance decision (approve / reject) for the next run to apply."""
        self._update(lambda s: engine.decide_exception(s, kind, subject, action))

    def document(self, number: str) -> Document | None:
        return self.state().ledger.documents.get(number)

    def documents(self) -> Sequence[Document]:
        return list(self.state().ledger.documents.values())

    def entries_billed_on(self, number: str) -> list[str]:
        """Time entries whose billed state stands on document `number`."""
        entries = self.state().ledger.entries.values()
        return sorted(e.entry for e in entries if e.invoice == number)

    @_serialised
    def mark_posted(
        self, number: str, recorded: Callable[[Document, Document], None] | None = None
    ) -> Document:
        """The ERP holds the document: `issued` becomes `posted` (repeats are harmless);
        the first confirmation's time is kept for the invoice cycle time. `recorded`
        (the document before and after) writes in the same transaction."""
        book, checkpoint = self._load()
        before = book.state.ledger.documents[number]
        state = confirm_posting(book.state, number)
        posted_at = book.posted_at
        if number not in posted_at:
            posted_at = {**posted_at, number: self._clock()}
        self._store.save(replace(book, state=state, posted_at=posted_at), checkpoint)
        after = state.ledger.documents[number]
        if recorded is not None:
            recorded(before, after)
        return after

    def amendments_due(self) -> dict[str, int]:
        """Amended contracts whose terms other systems have yet to receive (see the book)."""
        return dict(self._load()[0].amendments)

    @_serialised
    def amendment_propagated(self, contract: str, version: int) -> None:
        """The terms as of `version` reached the other systems; a later amendment stays due."""
        book, checkpoint = self._load()
        if book.amendments.get(contract) == version:
            amendments = {k: v for k, v in book.amendments.items() if k != contract}
            self._store.save(replace(book, amendments=amendments), checkpoint)

    def payments_to_feed_back(self) -> tuple[str, ...]:
        """Payments applied whose feedback to billing and the CRM has not finished."""
        return self._load()[0].feedback_due

    @_serialised
    def payment_fed_back(self, payment: str) -> None:
        """Billing and the CRM hold the payment; it is no longer due (repeats are harmless)."""
        book, checkpoint = self._load()
        if payment in book.feedback_due:
            due = tuple(p for p in book.feedback_due if p != payment)
            self._store.save(replace(book, feedback_due=due), checkpoint)

    @_serialised
    def mark_activated(self, contract: str) -> None:
        """Every system holds the signed contract; the first time is kept for the
        contract activation time."""
        book, checkpoint = self._load()
        if contract not in book.activated_at:
            activated_at = {**book.activated_at, contract: self._clock()}
            self._store.save(replace(book, activated_at=activated_at), checkpoint)


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
