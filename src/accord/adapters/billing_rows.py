"""The billing book as rows: one row per entry of each keyed part of the book.

Every mapping of `BillingBook` (contracts, time entries, documents, billed entries, cap
usage, counters, payments...) is a *part*; each of its entries is one row of
`billing_rows` keyed by (part, key), with the contract it belongs to (empty for the
firm-wide parts: master data, counters, closed periods, pending decisions) and a `ref`
the flows look rows up by (a time entry's id, a document's status, the invoice a billed
entry stands on). Rows come back in the order they were first written (`seq`), which is
the order of the book's mappings (contracts in onboarding order, documents in issue
order).

`rows_of(book)` flattens a book (or the slice of it a step loaded); `book_of(rows)`
rebuilds one; `changes(before, after)` is what a step must write: the rows that differ.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from accord.adapters.dataclass_json import from_jsonable, to_jsonable
from accord.adapters.tables import LongText, SequenceId, Stamp, metadata
from accord.application.billing import AppliedPayment, BillingBook
from accord.domain.billing.documents import Document
from accord.domain.billing.ledger import BilledEntry, BillingLedger, IntercompanyCharge
from accord.domain.billing.settled import RunBasis
from accord.domain.billing.state import BillingState
from accord.domain.calendar import Period
from accord.domain.contracts.model import Contract, Customer, Entity, Firm, Resource
from accord.domain.contracts.rates import RateKey
from accord.domain.delivery.model import Expense, MilestoneState, TimeEntry
from accord.domain.exceptions import ExceptionAction, ExceptionKind

billing_rows = sa.Table(
    "billing_rows",
    metadata,
    sa.Column("seq", SequenceId, primary_key=True, autoincrement=True),
    sa.Column("part", sa.String(40), nullable=False),
    sa.Column("key", sa.String(500), nullable=False),
    sa.Column("contract", sa.String(200), nullable=False),
    sa.Column("ref", sa.String(200)),
    sa.Column("data", LongText, nullable=False),
)
sa.Index("uq_billing_rows_part_key", billing_rows.c.part, billing_rows.c.key, unique=True)
sa.Index("ix_billing_rows_contract", billing_rows.c.contract, billing_rows.c.part)
sa.Index("ix_billing_rows_part_ref", billing_rows.c.part, billing_rows.c.ref)

billing_checkpoint = sa.Table(
    "billing_checkpoint",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("checkpoint", sa.BigInteger, nullable=False),
    sa.Column("updated_at", Stamp, nullable=False),
)

FIRM = ""
"""The `contract` of a firm-wide row: every slice loads it."""

INTERCOMPANY = "intercompany"
"""The append-only part: a slice loads none of it, a step appends what it charged."""

UNSETTLED = "unsettled"
"""A row per time entry or expense a run must read, keyed by (its part, its id) and
filed under its contract: one no run has settled, or one that changed since (see
`domain.billing.settled`). An item loaded without one is settled as loaded."""

RUN_BASIS = "run_basis"
"""Per contract, what its settled items were priced against (`RunBasis`)."""

ITEMS = ("time_entry", "expense")
"""The parts whose rows a run settles."""


@dataclass(frozen=True, slots=True)
class Part:
    """How one mapping of the book is keyed and typed in `billing_rows`."""

    name: str
    key: Any
    value: Any


_TermKey = tuple[str, str]
PARTS = {
    p.name: p
    for p in (
        Part("firm_entities", str, tuple[Entity, ...]),
        Part("firm_config", str, Firm),
        Part("customer", str, Customer),
        Part("resource", str, Resource),
        Part("contract", str, Contract),
        Part("time_entry", _TermKey, TimeEntry),
        Part("expense", _TermKey, Expense),
        Part("milestone", tuple[str, str, str], MilestoneState),
        Part("signed", str, date),
        Part("withdrawn", str, date),
        Part("closed_period", str, frozenset[Period]),
        Part("cap_change", _TermKey, tuple[tuple[date, Decimal | None], ...]),
        Part("stale_delivery", str, str),
        Part("document", str, Document),
        Part("billed_entry", str, BilledEntry),
        Part("billed_expense", str, str),
        Part("expense_billed", str, Decimal),
        Part("billed_milestone", tuple[str, str, str], str),
        Part("cap_billed", _TermKey, Decimal),
        Part("held", _TermKey, Decimal),
        Part("retainer_balance", _TermKey, Decimal),
        Part("prepayment", _TermKey, str),
        Part("counter", _TermKey, int),
        Part(INTERCOMPANY, str, IntercompanyCharge),
        Part("decision", tuple[ExceptionKind, str], ExceptionAction),
        Part("declined", str, tuple[int, Decimal]),
        Part("used_rate", tuple[str, str, RateKey], bool),
        Part("payment", str, AppliedPayment),
        Part("activated_at", str, datetime),
        Part("posted_at", str, datetime),
        Part("amendment", str, int),
        Part("feedback_due", str, bool),
        Part(UNSETTLED, tuple[str, str], bool),
        Part(RUN_BASIS, str, RunBasis),
    )
}


@dataclass(frozen=True, slots=True)
class Row:
    """One entry of a part, before encoding: where it belongs and its value."""

    contract: str
    ref: str | None
    value: Any


Rows = dict[tuple[str, Any], Row]
"""(part, key) -> row."""


def encode_key(key: Any) -> str:
    return json.dumps(to_jsonable(key), separators=(",", ":"))


def encode_value(value: Any) -> str:
    return json.dumps(to_jsonable(value), separators=(",", ":"))


def decode_key(part: str, key: str) -> Any:
    return from_jsonable(json.loads(key), PARTS[part].key)


def decode(part: str, key: str, data: str) -> tuple[Any, Any]:
    """The (key, value) of a stored row of `part`."""
    return decode_key(part, key), from_jsonable(json.loads(data), PARTS[part].value)


class _Owners:
    """Which contract an entry keyed by an item id belongs to, within one book."""

    def __init__(self, state: BillingState) -> None:
        self.documents = state.ledger.documents
        self.items: dict[str, str] = {}
        for by_contract in (state.expenses, state.time_entries):
            for contract, items in by_contract.items():
                self.items.update(dict.fromkeys(items, contract))
        self.items.update({e.entry: e.contract for e in state.ledger.entries.values()})

    def of_document(self, number: str) -> str:
        document = self.documents.get(number)
        return document.contract if document is not None else FIRM

    def of_item(self, item: str) -> str:
        return self.items.get(item.removeprefix("expense:"), FIRM)


def rows_of(book: BillingBook) -> Rows:
    """Every row of `book`, keyed by (part, key)."""
    state = book.state
    owners = _Owners(state)
    rows: Rows = {}

    def put(part: str, items: Iterable[tuple[Any, Any]], contract: Any, ref: Any = None) -> None:
        for key, value in items:
            rows[(part, key)] = Row(contract(key, value), ref(key, value) if ref else None, value)

    firm = state.firm
    rows[("firm_entities", "")] = Row(FIRM, None, firm.entities)
    rows[("firm_config", "")] = Row(FIRM, None, replace(firm, entities=()))
    put("customer", state.customers.items(), lambda k, v: FIRM)
    put("resource", state.resources.items(), lambda k, v: FIRM)
    put("contract", state.contracts.items(), lambda k, v: k)
    _item_rows(book, put)
    put("milestone", state.milestones.items(), lambda k, v: k[0])
    put("signed", state.signed.items(), lambda k, v: k)
    put("withdrawn", state.withdrawn.items(), lambda k, v: k)
    put("closed_period", state.closed_periods.items(), lambda k, v: FIRM)
    put("cap_change", state.cap_changes.items(), lambda k, v: k[0])
    put("stale_delivery", state.stale_deliveries.items(), lambda k, v: owners.of_item(k))
    _ledger_rows(state.ledger, owners, put)
    put("payment", book.payments.items(), lambda k, v: owners.of_document(v.invoice))
    put("activated_at", book.activated_at.items(), lambda k, v: k)
    put("posted_at", book.posted_at.items(), lambda k, v: owners.of_document(k))
    put("amendment", book.amendments.items(), lambda k, v: FIRM)  # pending: few
    put("feedback_due", ((p, True) for p in book.feedback_due), lambda k, v: FIRM)
    put(RUN_BASIS, book.run_bases.items(), lambda k, v: k)
    return rows


def _item_rows(book: BillingBook, put: Any) -> None:
    """The time entry and expense rows, and an `UNSETTLED` row for each one not settled
    as it stands."""
    state = book.state
    for name, nested, settled in (
        ("time_entry", state.time_entries, book.settled_entries),
        ("expense", state.expenses, book.settled_expenses),
    ):
        for contract, items in nested.items():
            flat = (((contract, i), v) for i, v in items.items())
            put(name, flat, lambda k, v: k[0], lambda k, v: k[1])
            unsettled = (((name, i), True) for i, v in items.items() if settled.get(i) != v)
            put(UNSETTLED, unsettled, lambda k, v, c=contract: c, lambda k, v: k[1])


def _ledger_rows(ledger: BillingLedger, owners: _Owners, put: Any) -> None:
    by_term = lambda k, v: k[0]  # noqa: E731 - keyed by (contract, term[, ...])
    put("document", ledger.documents.items(), lambda k, v: v.contract, lambda k, v: v.status.value)
    put("billed_entry", ledger.entries.items(), lambda k, v: v.contract, lambda k, v: v.invoice)
    put("billed_expense", ledger.expenses.items(), lambda k, v: owners.of_document(v))
    put("expense_billed", ledger.expense_billed.items(), lambda k, v: owners.of_item(k))
    put("billed_milestone", ledger.milestones.items(), by_term)
    for name in ("cap_billed", "held", "retainer_balance", "prepayments"):
        put(name.removesuffix("s"), getattr(ledger, name).items(), by_term)
    put("counter", ledger.counters.items(), lambda k, v: FIRM)
    put("decision", ledger.decisions.items(), lambda k, v: FIRM)
    put("declined", ledger.declined.items(), lambda k, v: owners.of_item(k))
    put("used_rate", ((k, True) for k in ledger.used_rates), by_term)


def appended(before: BillingBook, after: BillingBook) -> tuple[IntercompanyCharge, ...]:
    """The intercompany charges a step added (the part only ever grows)."""
    return after.state.ledger.intercompany[len(before.state.ledger.intercompany) :]


@dataclass(frozen=True, slots=True)
class Changes:
    """What a step writes: rows to insert or update, keys to delete."""

    upserts: dict[tuple[str, Any], Row]
    moved: set[tuple[str, Any]]
    """Keys whose row changed contract: rewritten at the end, as the mapping reorders."""
    deletes: list[tuple[str, Any]]


def changes(before: Rows, after: Rows) -> Changes:
    """The rows of `after` that differ from `before` and the keys `after` dropped."""
    upserts: dict[tuple[str, Any], Row] = {}
    moved: set[tuple[str, Any]] = set()
    for key, row in after.items():
        old = before.get(key)
        if old is not None and (old.value is row.value or old == row):
            continue
        upserts[key] = row
        if old is not None and old.contract != row.contract:
            moved.add(key)
    return Changes(upserts, moved, [key for key in before if key not in after])


@dataclass
class _Builder:
    state: dict[str, dict[Any, Any]]

    def book(self) -> BillingBook:
        s = self.state
        entities: tuple[Entity, ...] = s["firm_entities"].get("", ())
        config: Firm = s["firm_config"].get("", Firm(()))
        ledger = BillingLedger(
            documents=s["document"],
            entries=s["billed_entry"],
            expenses=s["billed_expense"],
            expense_billed=s["expense_billed"],
            milestones=s["billed_milestone"],
            cap_billed=s["cap_billed"],
            held=s["held"],
            retainer_balance=s["retainer_balance"],
            prepayments=s["prepayment"],
            counters=s["counter"],
            intercompany=tuple(s[INTERCOMPANY].values()),
            decisions=s["decision"],
            declined=s["declined"],
            used_rates=frozenset(s["used_rate"]),
        )
        state = BillingState(
            replace(config, entities=entities),
            s["customer"],
            s["resource"],
            s["contract"],
            time_entries=_nest(s["time_entry"]),
            expenses=_nest(s["expense"]),
            milestones=s["milestone"],
            signed=s["signed"],
            withdrawn=s["withdrawn"],
            closed_periods=s["closed_period"],
            ledger=ledger,
            cap_changes=s["cap_change"],
            stale_deliveries=s["stale_delivery"],
        )
        unsettled = s[UNSETTLED]
        return BillingBook(
            state,
            payments=s["payment"],
            activated_at=s["activated_at"],
            posted_at=s["posted_at"],
            amendments=s["amendment"],
            feedback_due=tuple(s["feedback_due"]),
            settled_entries=_settled(s["time_entry"], "time_entry", unsettled),
            settled_expenses=_settled(s["expense"], "expense", unsettled),
            run_bases=s[RUN_BASIS],
        )


def _settled(
    flat: dict[tuple[str, str], Any], part: str, unsettled: dict[tuple[str, str], bool]
) -> dict[str, Any]:
    """The items of `part` loaded without an `UNSETTLED` row."""
    return {item: value for (_, item), value in flat.items() if (part, item) not in unsettled}


def _nest(flat: dict[tuple[str, str], Any]) -> dict[str, dict[str, Any]]:
    nested: dict[str, dict[str, Any]] = {}
    for (contract, item), value in flat.items():
        nested.setdefault(contract, {})[item] = value
    return nested


def book_of(stored: Iterable[tuple[str, str, str]]) -> BillingBook:
    """The book (or slice) of stored (part, key, data) rows, in `seq` order."""
    builder = _Builder({name: {} for name in PARTS})
    for part, key, data in stored:
        if part == UNSETTLED:  # its value says nothing its key does not
            builder.state[part][decode_key(part, key)] = True
            continue
        decoded_key, value = decode(part, key, data)
        builder.state[part][decoded_key] = value
    return builder.book()
