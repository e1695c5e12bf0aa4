"""Billing locks per contract on PostgreSQL and MariaDB: steps on different contracts run at once,
steps on the same contract queue, and concurrent invoice runs bill each entry once and
number documents without a gap or a duplicate."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.billing_store import SqlAlchemyAppliedRecords, SqlAlchemyBillingStateStore
from accord.adapters.locks import exclusive_all
from accord.adapters.store import create_store_engine
from accord.adapters.transactions import SqlAlchemyTransactions
from accord.application.billing import BillingBook, BillingService, contract_lock
from accord.domain.billing.documents import Document
from accord.domain.billing.state import approve_time
from tests.integration.wired_store import SERVER_DATABASES, database_url_of, migrated_store
from tests.unit.billing.builders import FEB, JAN, entry, make_state

WAIT = 60.0  # generous: the machine is loaded; a global lock would wait forever


@pytest.fixture(params=SERVER_DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_store(database_url_of(request, tmp_path)) as engine:
        yield engine


def _billing(engine: Engine) -> BillingService:
    return BillingService(
        SqlAlchemyBillingStateStore(engine),
        SqlAlchemyAppliedRecords(engine),
        transaction=SqlAlchemyTransactions(engine),
    )


def _seed(engine: Engine, contracts: int, entries: int) -> None:
    """Contracts K1..Kn of one entity, each with `entries` approved entries a month."""
    state = make_state()
    k1 = state.contracts["K1"]
    every = {f"K{n}": replace(k1, id=f"K{n}") for n in range(1, contracts + 1)}
    state = replace(state, contracts=every)
    work = [
        replace(entry(f"E{n}-{m}-{i}", 1 + i, "2", month=m), contract=f"K{n}")
        for n in range(1, contracts + 1)
        for m in (1, 2)
        for i in range(entries)
    ]
    SqlAlchemyBillingStateStore(engine).save(BillingBook(approve_time(state, work)), 0)


def test_steps_on_different_contracts_hold_their_locks_at_once(engine: Engine) -> None:
    _seed(engine, contracts=2, entries=2)
    billing = _billing(engine)
    issued = {d.contract: d.number for d in billing.run_invoices(JAN).documents}
    inside = {"K1": threading.Event(), "K2": threading.Event()}
    overlapped: dict[str, bool] = {}

    def post(contract: str, other: str) -> None:
        def recorded(before: Document, after: Document) -> None:
            inside[contract].set()  # holding the contract's lock, transaction open
            overlapped[contract] = inside[other].wait(WAIT)

        billing.mark_posted(issued[contract], recorded)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(post, ["K1", "K2"], ["K2", "K1"]))

    assert overlapped == {"K1": True, "K2": True}
    assert {d.status.value for d in billing.documents()} == {"posted"}


def test_an_invoice_run_on_one_contract_proceeds_while_another_is_locked(engine: Engine) -> None:
    _seed(engine, contracts=2, entries=2)
    billing = _billing(engine)
    january = {d.contract: d.number for d in billing.run_invoices(JAN).documents}
    holding, release = threading.Event(), threading.Event()

    def hold_k2(before: Document, after: Document) -> None:
        holding.set()
        release.wait(WAIT)

    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(billing.mark_posted, january["K2"], hold_k2)
        assert holding.wait(WAIT)
        run = pool.submit(billing.run_invoices, FEB, "K1")
        documents = run.result(timeout=WAIT).documents  # K2's lock does not hold it up
        still_held = not held.done()
        release.set()
        held.result(timeout=WAIT)

    assert still_held
    assert [d.contract for d in documents] == ["K1"]


def test_concurrent_invoice_runs_bill_each_entry_once(engine: Engine) -> None:
    contracts = 6
    _seed(engine, contracts=contracts, entries=3)
    billing = _billing(engine)
    runs = [(JAN, f"K{n}") for n in range(1, contracts + 1)] * 2 + [(JAN, None), (FEB, None)]
    runs += [(FEB, f"K{n}") for n in range(1, contracts + 1)]

    def run(through: date, contract: str | None) -> list[str]:
        return [d.number for d in billing.run_invoices(through, contract).documents]

    with ThreadPoolExecutor(4) as pool:
        numbers = [n for issued in pool.map(lambda r: run(*r), runs) for n in issued]

    state = billing.state()
    assert sorted(numbers) == sorted(state.ledger.documents)  # every issued one kept
    assert len(set(numbers)) == len(numbers) == 2 * contracts  # one invoice a month each
    assert state.ledger.counters == {("DE01", "INV"): 2 * contracts}  # no gap, no twice
    assert len(state.ledger.entries) == contracts * 2 * 3
    for entry_id, billed in state.ledger.entries.items():
        assert billed.contract == entry_id.split("-")[0].replace("E", "K")
    assert billing.run_invoices(FEB).documents == ()


@pytest.mark.postgres
def test_a_run_over_many_contracts_takes_and_releases_their_locks_in_one_round_trip_each(
    postgres_url: str,
) -> None:
    """PostgreSQL's advisory locks go in one statement; MariaDB's GET_LOCK names one lock."""
    engine = create_store_engine(postgres_url)
    names = [contract_lock(f"K{n}") for n in range(2_000)]
    statements: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    def held() -> int:
        with engine.connect() as conn:
            query = (
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            return int(conn.exec_driver_sql(query).scalar_one())

    try:
        sa.event.listen(engine, "before_cursor_execute", note)
        with exclusive_all(engine, names):
            locking = len(statements)
            assert held() == len(names)
        sa.event.remove(engine, "before_cursor_execute", note)
        released = held()
    finally:
        engine.dispose()
    assert released == 0
    assert locking == 1
    assert len([s for s in statements if "pg_advisory" in s]) == 2
