"""Named locks on a server store (PostgreSQL advisory locks, MariaDB GET_LOCK): a held
lock keeps every other connection out until it is released, and a name belongs to its
database, so two hubs on one server never wait on each other's locks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.adapters.locks import HeldLock, LockUnavailable, exclusive
from accord.adapters.store import create_store_engine
from tests.integration.wired_store import SERVER_DATABASES, database_url_of, server_database


@pytest.fixture(params=SERVER_DATABASES)
def engines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one fresh database: two processes of one hub."""
    url = database_url_of(request, tmp_path)
    first, second = create_store_engine(url), create_store_engine(url)
    yield first, second
    first.dispose()
    second.dispose()


def test_a_held_lock_keeps_others_out_until_it_is_released(
    engines: tuple[Engine, Engine],
) -> None:
    first, second = engines
    leader, standby = HeldLock(first, "scheduler-leader"), HeldLock(second, "scheduler-leader")

    assert leader.try_acquire()
    assert not standby.try_acquire()
    assert not HeldLock.is_free(second, "scheduler-leader")
    assert HeldLock.is_free(second, "another-name")
    assert leader.still_held()

    leader.release()
    assert HeldLock.is_free(second, "scheduler-leader")
    assert standby.try_acquire()
    standby.release()


@pytest.mark.parametrize("kind", SERVER_DATABASES)
def test_a_lock_name_belongs_to_its_database(kind: str) -> None:
    with server_database(kind) as one, server_database(kind) as other:
        here, there = create_store_engine(one), create_store_engine(other)
        try:
            held = HeldLock(here, "scheduler-leader")
            assert held.try_acquire()
            elsewhere = HeldLock(there, "scheduler-leader")
            assert elsewhere.try_acquire(), "a hub on another database waited on this one"
            assert not HeldLock.is_free(here, "scheduler-leader")
            elsewhere.release()
            held.release()
        finally:
            here.dispose()
            there.dispose()


@pytest.mark.mariadb
def test_a_lock_mariadb_will_not_give_is_a_clear_error(mariadb_url: str) -> None:
    holder = create_store_engine(mariadb_url)
    impatient = create_store_engine(mariadb_url)  # its server stops every statement at 1 s
    sa.event.listen(
        impatient,
        "connect",
        lambda connection, _: connection.cursor().execute("SET SESSION max_statement_time = 1"),
    )
    held = HeldLock(holder, "billing-contract:K1")
    try:
        assert held.try_acquire()
        with (
            pytest.raises(LockUnavailable, match="GET_LOCK"),
            exclusive(impatient, "billing-contract:K1"),
        ):
            pass
    finally:
        held.release()
        holder.dispose()
        impatient.dispose()
