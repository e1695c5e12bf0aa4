"""A writer holding the SQLite store's write lock does not hold up readers.

In WAL mode a reader sees the last committed state without waiting for the writer;
only writers queue on the lock. The writer here is another connection that has begun
an immediate transaction and not committed, as a long worker batch or month-end run
does.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from accord.application.clock import utc_now
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
