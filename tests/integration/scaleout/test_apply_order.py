"""A worker that overtakes another must not quarantine what the other is applying.

Workers claim with `SKIP LOCKED`, so a second worker can claim a time entry while the
first still holds the contract that entry names. Whichever takes the apply lock first
commits first; an entry applied before its contract would be quarantined as an unknown
reference and never come back. The overtaking worker must instead leave it pending.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from accord.application.ports import EventStatus
from accord.bootstrap import Hub, build_hub
from accord.settings import Settings
from tests.integration.eventlog.eventlog_factory import master_data, time_entries
from tests.integration.wired_store import SERVER_DATABASES, database_url_of


@pytest.fixture(params=SERVER_DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url_of(request, tmp_path)


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    built = build_hub(Settings(home=tmp_path, database_url=database_url))
    built.ingest.ingest_lines(master_data())
    built.ingest.ingest_lines(time_entries(3))
    yield built
    built.close()


def _statuses(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT business_key, status FROM inbound_events"))
        return {key: status for key, status in rows}


def test_an_entry_claimed_ahead_of_its_contract_waits_instead_of_being_quarantined(
    hub: Hub, database_url: str
) -> None:
    other_worker = sa.create_engine(database_url)
    with other_worker.connect() as held:
        # Another worker's batch: it has claimed the master data and not committed yet.
        held.execute(
            sa.text(
                "SELECT seq FROM inbound_events WHERE business_kind IN ('contract', 'resource') "
                "FOR UPDATE"
            )
        )
        assert hub.worker.process_batch(100) == 0
        assert set(_statuses(hub.engine).values()) == {EventStatus.PENDING.value}
        held.rollback()
    other_worker.dispose()

    assert hub.worker.run_once() == 5
    statuses = _statuses(hub.engine)
    assert set(statuses.values()) == {EventStatus.APPLIED.value}, statuses
