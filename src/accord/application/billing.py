"""Billing use cases: keep the engine's state in step with the store, run invoices.

The billing engine (domain) is a pure function of its state. This service loads the
slice of the billing book a step needs (the contracts it touches and the firm-wide
data), feeds it what the event log applied since its checkpoint (master data, approved
time, expenses, milestones, amendments, payments), runs the engine and saves what
changed together with the checkpoint, so every applied record reaches billing exactly
once.

Every step holds the locks of the contracts it touches (taken in one order, so steps on
different contracts run at once and overlapping ones queue) and runs in one
transaction that commits before they are released, so no other writer loads a slice
about to be replaced. A step that issues documents takes the firm lock too, for the
moment it numbers and saves them, and issues again on fresh counters if another run
numbered documents meanwhile. Catch-up, which advances the one checkpoint, holds the
catch-up lock. What the caller records about the change (the audit rows and CloudEvents
of the documents a run issued, the exceptions it raised) joins that transaction: a crash
leaves either all of it or none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TypeVar

from accord.application.billing_reads import RUN_CHUNK, BillingReads
from accord.application.billing_reads import BillingStateStore as BillingStateStore
from accord.application.billing_reads import Slice as Slice
from accord.application.billing_records import AppliedPayment as AppliedPayment
from accord.application.billing_records import BillingBook as BillingBook
from accord.application.billing_records import apply_record as apply_record
from accord.application.billing_records import apply_to_book
from accord.application.clock import Clock, utc_now
from accord.application.ports import AppliedRecords, BusinessObject
from accord.application.run_reads import RunReads
from accord.application.unit_of_work import Transaction, each_on_its_own
from accord.canonical import v1
from accord.canonical.base import CanonicalModel
from accord.canonical.registry import model_for
from accord.domain.billing import state as engine
from accord.domain.billing.documents import Document
from accord.domain.billing.ledger import IntercompanyCharge
from accord.domain.billing.payments import confirm_posting
from accord.domain.billing.run import (
    InvoiceRunResult,
    run_invoicing,
    sign_contract,
    withdraw_contract,
)
from accord.domain.billing.state import BillingState
from accord.domain.calendar import Period
from accord.domain.contracts.model import FxQuote, TaxRule
from accord.domain.exceptions import BusinessException, ExceptionAction, ExceptionKind

FIRM_LOCK = "billing-firm"
CATCH_UP_LOCK = "billing-catch-up"


def contract_lock(contract: str) -> str:
    """The lock a step holds on every contract whose rows it loads and saves."""
    return f"billing-contract:{contract}"


@dataclass(frozen=True, slots=True)
class IssuedRun:
    """What an invoice run issued and raised over all its chunks, in contract order
    (each chunk's state went to the store with it)."""

    documents: tuple[Document, ...] = ()
    exceptions: tuple[BusinessException, ...] = ()
    intercompany: tuple[IntercompanyCharge, ...] = ()

    @classmethod
    def of(cls, chunks: Iterable[InvoiceRunResult]) -> IssuedRun:
        done = list(chunks)
        return cls(
            tuple(d for chunk in done for d in chunk.documents),
            tuple(e for chunk in done for e in chunk.exceptions),
            tuple(c for chunk in done for c in chunk.intercompany),
        )


@dataclass
class CatchUp:
    """What one catch-up found that a person must hear about."""

    problems: list[BusinessException] = field(default_factory=list)


Recorded = Callable[[InvoiceRunResult], None]
"""Records what a run issued (audit rows, events, exceptions) in the run's transaction."""

_T = TypeVar("_T")


def _nothing(result: InvoiceRunResult) -> None:
    del result


@dataclass(frozen=True, slots=True)
class FinanceSettings:
    """Finance's part of the firm configuration (`accord.firm_config.FirmConfig`), which
    billing is configured with: FX rates, tax rules and whether documents go out as
    EN 16931 e-invoices (entities come from master data)."""

    fx: tuple[FxQuote, ...] = ()
    tax: tuple[TaxRule, ...] = ()
    send_einvoices: bool = False


def _decode(record: BusinessObject) -> CanonicalModel:
    return model_for(record.kind, 1).model_validate_json(record.data)


def _firm_wide(state: BillingState) -> tuple[object, ...]:
    """What an invoice run reads beyond its contracts' rows and others may change."""
    ledger = state.ledger
    return (
        state.firm,
        state.customers,
        state.resources,
        state.closed_periods,
        ledger.counters,
        ledger.decisions,
    )


class BillingService(BillingReads):
    """The billing side of the hub: catch up with applied records, run, post, get paid
    (and read the book in parts: `BillingReads`)."""

    def __init__(
        self,
        store: BillingStateStore,
        records: AppliedRecords,
        batch_size: int = 5_000,
        clock: Clock = utc_now,
        transaction: Transaction = each_on_its_own,
        run_chunk: int = RUN_CHUNK,
    ) -> None:
        super().__init__(store, run_chunk)
        self._records = records
        self._batch_size = batch_size
        self._clock = clock
        self._transaction = transaction

    def _step(
        self,
        contracts: Collection[str],
        scope: Slice,
        change: Callable[[BillingBook], tuple[BillingBook, _T]],
        firm: bool = False,
    ) -> _T:
        """Load `scope` under the locks of `contracts` (and the firm lock when the change
        writes firm-wide data), change it and save what changed, in one transaction
        committed before the locks are released."""
        names = [contract_lock(c) for c in contracts] + ([FIRM_LOCK] if firm else [])
        with self._store.exclusive(names), self._transaction():
            before, _ = self._load(scope)
            after, out = change(before)
            if after is not before:
                self._store.save(after, None, before)
            return out

    def _update_firm(self, change: Callable[[BillingState], BillingState]) -> None:
        def changed(book: BillingBook) -> tuple[BillingBook, None]:
            return replace(book, state=change(book.state)), None

        self._step((), Slice(), changed, firm=True)

    def configure_firm(self, settings: FinanceSettings) -> None:
        """Set FX rates, tax rules and `send_einvoices` (finance's settings)."""

        def configure(state: BillingState) -> BillingState:
            firm = replace(
                state.firm,
                fx=settings.fx,
                tax=settings.tax,
                send_einvoices=settings.send_einvoices,
            )
            return replace(state, firm=firm)

        self._update_firm(configure)

    def catch_up(self, stopping: Callable[[], bool] | None = None) -> CatchUp:
        """Apply every record the event log applied since the last catch-up; return the
        problems found on the way. A payment newly applied is noted as due for feedback
        (see `payments_to_feed_back`). Each batch loads the contracts its records touch
        and commits with its checkpoint; once `stopping()` says so it stops after the
        batch in hand (the next catch-up goes on from there)."""
        result = CatchUp()
        with self._store.exclusive([CATCH_UP_LOCK]):
            with self._transaction():  # one commit per call, idle or not, as before rows
                checkpoint = self._store.last_checkpoint()  # (crash tests count commits)
            while not (stopping and stopping()) and (
                batch := self._records.changed_since(checkpoint, self._batch_size)
            ):
                records = [_decode(stored) for stored in batch]
                checkpoint = batch[-1].applied_seq
                result.problems += self._apply_batch(records, checkpoint)
        return result

    def _apply_batch(
        self, records: Sequence[CanonicalModel], checkpoint: int
    ) -> list[BusinessException]:
        contracts, scope = self._touched(records)
        problems: list[BusinessException] = []
        names = [contract_lock(c) for c in contracts]
        with self._store.exclusive(names), self._transaction():
            before, _ = self._load(scope)
            book = before
            for record in records:
                book, found = apply_to_book(book, record)
                problems += found
            self._store.save(book, checkpoint, before)
        return problems

    def _touched(self, records: Sequence[CanonicalModel]) -> tuple[set[str], Slice]:
        """The contracts a batch changes (the ones its records name, the contract holding
        each time entry now, since approving it elsewhere moves it, and the contract of
        each invoice a payment names) and the rows it reads: the terms of the contracts
        it names, its entries, expenses, invoices and payments, never whole histories."""
        terms: set[str] = set()
        items: dict[type, list[str]] = {v1.TimeEntry: [], v1.Expense: [], v1.Payment: []}
        invoices: list[str] = []
        for record in records:
            if isinstance(record, v1.Contract):
                terms.add(record.id)
            elif isinstance(record, v1.Payment):
                items[v1.Payment].append(record.id)
                invoices += [record.invoice] if record.invoice else []
            elif isinstance(record, v1.TimeEntry | v1.Expense):
                terms.add(record.contract)
                items[type(record)].append(record.id)
            elif isinstance(record, v1.Milestone | v1.Amendment):
                terms.add(record.contract)
        entries = items[v1.TimeEntry]
        contracts = terms | set(self._store.holders(entries).values())
        contracts.update(self._store.contracts_of(invoices).values())
        scope = Slice((), terms, entries, items[v1.Expense], invoices, items[v1.Payment])
        return contracts, scope

    def _issuing(
        self,
        contracts: list[str],
        issue: Callable[[BillingState], InvoiceRunResult],
        recorded: Recorded,
        through: date | None = None,
    ) -> InvoiceRunResult:
        """Issue on what a run through `through` reads of `contracts` (`RunReads`; a
        signing without one reads them whole); number and save under the firm lock, held
        to the commit. Counters, decisions or master data another step changed since
        the read mean reading again under it and issuing on the fresh firm-wide data
        (the contracts' rows cannot have changed: their locks are held)."""
        with ExitStack() as locks:
            locks.enter_context(self._store.exclusive([contract_lock(c) for c in contracts]))
            with self._transaction():
                reads = RunReads(lambda scope: self._load(scope)[0], contracts, through)
                before, result = reads.issue(issue)
                locks.enter_context(self._store.exclusive([FIRM_LOCK]))
                fresh, _ = self._load(Slice())
                if _firm_wide(fresh.state) != _firm_wide(before.state):
                    before, result = reads.issue(issue)
                self._store.save(reads.settled(before, result), None, before)
                recorded(result)
        return result

    def run_invoices(
        self, through: date, contract: str | None = None, recorded: Recorded = _nothing
    ) -> IssuedRun:
        """Issue what is billable through `through` on one contract, or on every contract
        chunk by chunk (`run_chunk` contracts at a time, in onboarding order, so documents
        are numbered as one run over the whole book would number them). Each chunk loads
        its contracts' rows alone and is saved with its result in its own transaction,
        with whatever `recorded` writes about it: a crash between chunks keeps the chunks
        done, and the run started again finds nothing left to issue on them."""
        chunks = [[contract]] if contract is not None else self._contract_chunks()
        return IssuedRun.of(self._run_chunk_of(chunk, through, recorded) for chunk in chunks)

    def _run_chunk_of(
        self, contracts: list[str], through: date, recorded: Recorded
    ) -> InvoiceRunResult:
        wanted = frozenset(contracts)
        return self._issuing(
            contracts, lambda state: run_invoicing(state, through, wanted), recorded, through
        )

    def sign(self, contract: str, recorded: Recorded = _nothing) -> InvoiceRunResult:
        """Activate the contract in billing: a retainer issues its prepayment, dated on the
        signing day, once (`recorded` as in `run_invoices`)."""

        def signing(state: BillingState) -> InvoiceRunResult:
            on = state.signed.get(contract)
            if on is None:
                raise KeyError(f"contract {contract} has not been signed")
            return sign_contract(state, contract, on)

        return self._issuing([contract], signing, recorded)

    def close_period(self, entity: str, period: Period) -> None:
        self._update_firm(lambda s: engine.close_period(s, entity, period))

    def reopen_period(self, entity: str, period: Period) -> None:
        self._update_firm(lambda s: engine.reopen_period(s, entity, period))

    def withdraw(self, contract: str) -> date:
        """Bill nothing more on `contract` (its activation was rejected); returns the day."""
        on = self._clock().date()

        def withdrawing(book: BillingBook) -> tuple[BillingBook, None]:
            return replace(book, state=withdraw_contract(book.state, contract, on)), None

        self._step([contract], Slice(terms=[contract]), withdrawing)
        return on

    def decide(self, kind: ExceptionKind, subject: str, action: ExceptionAction) -> None:
        """Record a finance decision (approve / reject) for the next run to apply."""
        self._update_firm(lambda s: engine.decide_exception(s, kind, subject, action))

    def mark_posted(
        self, number: str, recorded: Callable[[Document, Document], None] | None = None
    ) -> Document:
        """The ERP holds the document: `issued` becomes `posted` (repeats are harmless);
        the first confirmation's time is kept for the invoice cycle time. `recorded`
        (the document before and after) writes in the same transaction."""

        def posting(book: BillingBook) -> tuple[BillingBook, Document]:
            before = book.state.ledger.documents[number]
            state = confirm_posting(book.state, number)
            posted_at = book.posted_at
            if number not in posted_at:
                posted_at = {**posted_at, number: self._clock()}
            after = state.ledger.documents[number]
            if recorded is not None:
                recorded(before, after)
            return replace(book, state=state, posted_at=posted_at), after

        contracts = self._store.contracts_of([number]).values()
        return self._step(contracts, Slice(documents=[number]), posting)

    def amendment_propagated(self, contract: str, version: int) -> None:
        """The terms as of `version` reached the other systems; a later amendment stays due."""

        def propagated(book: BillingBook) -> tuple[BillingBook, None]:
            if book.amendments.get(contract) != version:
                return book, None
            amendments = {k: v for k, v in book.amendments.items() if k != contract}
            return replace(book, amendments=amendments), None

        self._step([contract], Slice(), propagated)

    def payment_fed_back(self, payment: str) -> None:
        """Billing and the CRM hold the payment; it is no longer due (repeats are harmless)."""

        def fed_back(book: BillingBook) -> tuple[BillingBook, None]:
            if payment not in book.feedback_due:
                return book, None
            due = tuple(p for p in book.feedback_due if p != payment)
            return replace(book, feedback_due=due), None

        self._step((), Slice(), fed_back)

    def mark_activated(self, contract: str) -> None:
        """Every system holds the signed contract; the first time is kept for the
        contract activation time."""

        def activated(book: BillingBook) -> tuple[BillingBook, None]:
            if contract in book.activated_at:
                return book, None
            return replace(book, activated_at={**book.activated_at, contract: self._clock()}), None

        self._step([contract], Slice(terms=[contract]), activated)
