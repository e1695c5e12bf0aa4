"""A writer holding the store's write lock does not hold up readers, and holds up
other writers only for a bounded time, after which the store says it is busy.

In WAL mode a SQLite reader sees the last committed state without waiting for the
writer; only writers queue on the lock. The writer here is another connection that has
begun an immediate transaction and not committed, as a long worker batch or month-end
run does.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from accord.adapters.store import BUSY_TIMEOUT_SECONDS, create_store_engine
from accord.application.clock import utc_now
from accord.application.contention import StoreBusy
from accord.application.exception_service import ExceptionService
from accord.bootstrap import Hub, build_hub
from accord.domain.exceptions import BusinessException, ExceptionKind
from accord.settings import Settings

ANSWERS_WITHIN_SECONDS = 10.0
"""Far below the store's busy timeout: a read that queued on the lock would wait that."""


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    built = build_hub(Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.sqlite'}"))
    yield built
    built.close()


@pytest.fixture
def held_write_lock(tmp_path: Path) -> Iterator[None]:
    writer = sqlite3.connect(tmp_path / "a.sqlite", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM exceptions")  # uncommitted: readers must not see it
    try:
        yield
    finally:
        writer.rollback()
        writer.close()


def _answer_of(read: Callable[[], Any]) -> Any:
    """What `read` returns, run on its own thread; fails if it does not answer in time."""
    answers: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            answers.append(read())
        except BaseException as error:  # reported to the test below
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(ANSWERS_WITHIN_SECONDS)
    assert not thread.is_alive(), "the read queued behind the writer"
    assert not errors, errors
    return answers[0]


def _queue(hub: Hub) -> ExceptionService:
    """The exception queue as the hub's services use it (see bootstrap.build_services)."""
    return ExceptionService(hub.unit_of_work, utc_now, reading=hub.reading)


def test_reads_answer_with_committed_data_while_a_writer_holds_the_lock(
    hub: Hub, request: pytest.FixtureRequest
) -> None:
    queue = _queue(hub)
    queue.open(BusinessException(ExceptionKind.SYSTEM_UNAVAILABLE, "INV-1", "erp down"))
    request.getfixturevalue("held_write_lock")

    records = _answer_of(hub.exceptions)
    assert [r.subject for r in records] == ["INV-1"]
    assert _answer_of(hub.status).open_exceptions == 1
    found = _answer_of(lambda: queue.find_open(ExceptionKind.SYSTEM_UNAVAILABLE, "INV-1"))
    assert found is not None and found.subject == "INV-1"
    assert _answer_of(lambda: queue.get(found.id)).subject == "INV-1"
    assert len(_answer_of(queue.open_records)) == 1
    assert _answer_of(hub.governance.audit.records) == []


def test_a_sqlite_writer_waits_a_few_seconds_for_the_lock_then_the_store_is_busy(
    tmp_path: Path,
) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'b.sqlite'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    holder = engine.connect()
    holder.begin()
    holder.exec_driver_sql("INSERT INTO t VALUES (1)")
    started = time.monotonic()
    try:
        with pytest.raises(StoreBusy), engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO t VALUES (2)")
    finally:
        holder.rollback()
        holder.close()
    waited = time.monotonic() - started
    assert BUSY_TIMEOUT_SECONDS - 1 <= waited < BUSY_TIMEOUT_SECONDS + 10
    engine.dispose()


@pytest.mark.postgres
def test_a_postgres_lock_timeout_is_a_busy_store(postgres_url: str) -> None:
    engine = create_store_engine(postgres_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    holder = engine.connect()
    holder.begin()
    holder.exec_driver_sql("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
    try:
        with pytest.raises(StoreBusy), engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
            connection.exec_driver_sql("INSERT INTO t VALUES (2)")
    finally:
        holder.rollback()
        holder.close()
    engine.dispose()


@pytest.mark.mariadb
def test_a_mariadb_lock_wait_timeout_is_a_busy_store(mariadb_url: str) -> None:
    engine = create_store_engine(mariadb_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER PRIMARY KEY)")
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    holder = engine.connect()
    holder.begin()
    holder.exec_driver_sql("UPDATE t SET n = 2 WHERE n = 1")
    try:
        with pytest.raises(StoreBusy), engine.begin() as connection:
            connection.exec_driver_sql("SET SESSION innodb_lock_wait_timeout = 1")
            connection.exec_driver_sql("UPDATE t SET n = 3 WHERE n = 1")
    finally:
        holder.rollback()
        holder.close()
    engine.dispose()
