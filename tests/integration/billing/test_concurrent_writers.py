"""Billing writers in many threads on PostgreSQL and MariaDB (the named lock, the shared
transaction) lose no update: each load-change-save commits before the next one loads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from accord.adapters.billing_store import SqlAlchemyAppliedRecords, SqlAlchemyBillingStateStore
from accord.adapters.store import create_store_engine, migrate
from accord.adapters.transactions import SqlAlchemyTransactions
from accord.application.billing import BillingService
from tests.integration.wired_store import SERVER_DATABASES, database_url_of

WRITERS, WRITES = 4, 15


@pytest.fixture(params=SERVER_DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url_of(request, tmp_path)


def test_concurrent_writers_lose_no_update(database_url: str) -> None:
    engine = create_store_engine(database_url)
    migrate(engine)
    try:
        billing = BillingService(
            SqlAlchemyBillingStateStore(engine),
            SqlAlchemyAppliedRecords(engine),
            transaction=SqlAlchemyTransactions(engine),
        )

        def write(writer: int) -> None:
            for n in range(WRITES):
                billing.mark_activated(f"K{writer}-{n}")

        with ThreadPoolExecutor(WRITERS) as pool:
            list(pool.map(write, range(WRITERS)))

        assert len(billing.book().activated_at) == WRITERS * WRITES
    finally:
        engine.dispose()
