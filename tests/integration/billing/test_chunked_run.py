"""The all-contracts invoice run goes chunk by chunk through the row store (SQLite and
PostgreSQL): no step loads more contracts than a chunk holds, nothing loads the whole
book, and the documents, their numbers and the stored book end as one run over the
whole book leaves them. A crash between chunks keeps the chunks done: the run started
again issues only what is left, so nothing is billed twice. The dry run of a correction
reads its contract's slice (with the entry wherever held) and values it as the whole
book would."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy.engine import Engine

from accord.adapters.billing_store import SqlAlchemyBillingStateStore
from accord.adapters.transactions import SqlAlchemyTransactions
from accord.application.billing import BillingBook, BillingService
from accord.application.correction_impact import billing_impact
from accord.domain.billing.run import InvoiceRunResult, run_invoicing
from accord.domain.billing.state import approve_time
from tests.integration.billing.chunks import (
    CHUNK,
    CONTRACTS,
    WatchedRows,
    five_contracts,
)
from tests.unit.billing.builders import FEB, JAN, entry, make_state
from tests.unit.kpis.fakes import FakeAppliedRecords, FakeBillingStore


class PowerCut(Exception):
    pass


def _book() -> BillingBook:
    """Five contracts, each with January time not yet invoiced."""
    state = make_state()
    state = five_contracts(state)
    january = [
        replace(entry(f"J{k}-{i}", 5 + i, str(2 + i)), contract=k)
        for k in CONTRACTS
        for i in (0, 1)
    ]
    return BillingBook(approve_time(state, january))


def _services(engine: Engine) -> tuple[BillingService, WatchedRows, FakeBillingStore]:
    book = _book()
    rows = SqlAlchemyBillingStateStore(engine)
    rows.save(book, 0)
    watched = WatchedRows(rows)
    sliced = BillingService(
        watched,  # type: ignore[arg-type]
        FakeAppliedRecords(),
        transaction=SqlAlchemyTransactions(engine),
        run_chunk=CHUNK,
    )
    return sliced, watched, FakeBillingStore(book)


def test_the_run_loads_a_chunk_at_a_time_and_ends_as_the_whole_book_run(engine: Engine) -> None:
    sliced, watched, whole = _services(engine)
    reference = BillingService(whole, FakeAppliedRecords()).run_invoices(JAN)

    run = sliced.run_invoices(JAN)

    assert run.documents == reference.documents
    assert [d.contract for d in run.documents] == list(CONTRACTS)  # numbered in order
    assert run.exceptions == reference.exceptions
    assert watched.loaded and max(watched.loaded) == CHUNK
    assert watched.rows.load() == (whole.book, whole.checkpoint)
    assert sliced.run_invoices(JAN).documents == ()


def test_a_crash_between_chunks_keeps_the_chunks_done_and_bills_nothing_twice(
    engine: Engine,
) -> None:
    sliced, watched, whole = _services(engine)
    reference = BillingService(whole, FakeAppliedRecords()).run_invoices(JAN)
    recorded: list[InvoiceRunResult] = []

    def cut_at_the_second_chunk(result: InvoiceRunResult) -> None:
        if recorded:
            raise PowerCut(result.contracts)
        recorded.append(result)

    with pytest.raises(PowerCut):
        sliced.run_invoices(JAN, recorded=cut_at_the_second_chunk)
    kept = [d.number for d in sliced.documents()]
    resumed = sliced.run_invoices(JAN)

    assert [d.number for d in recorded[0].documents] == kept
    assert {d.contract for d in recorded[0].documents} == set(CONTRACTS[:CHUNK])
    assert recorded[0].documents + resumed.documents == reference.documents
    assert watched.rows.load() == (whole.book, whole.checkpoint)


def _time(id_: str, contract: str, day: str, hours: str) -> str:
    data = {"id": id_, "contract": contract, "term": "TM", "resource": "R1", "date": day}
    return json.dumps({"data": {**data, "hours": hours}})


@pytest.mark.parametrize(
    "payload",
    [
        _time("JK2-0", "K2", "2026-01-05", "1"),  # fewer hours on invoiced time
        _time("F-new", "K4", "2026-02-03", "3"),  # new time
        _time("F-moving", "K5", "2026-02-04", "2"),  # unbilled time moved from K3
        _time("JK3-1", "K5", "2026-01-06", "3"),  # invoiced on K3: may not move
    ],
    ids=["credited", "new", "moved", "invoiced-elsewhere"],
)
def test_a_correction_is_valued_on_its_contracts_slice(engine: Engine, payload: str) -> None:
    sliced, watched, whole = _services(engine)
    assert whole.book is not None
    moving = replace(entry("F-moving", 4, "2", month=2), contract="K3")
    invoiced = run_invoicing(approve_time(whole.book.state, [moving]), JAN).state
    watched.rows.save(BillingBook(invoiced), 0)

    impact = billing_impact(sliced.contract_state, "time_entry", payload, FEB)

    assert impact == billing_impact(lambda *_: invoiced, "time_entry", payload, FEB)
    assert impact.added or impact.removed or "cannot move to K5" in (impact.note or "")
    assert watched.loaded == [1]
