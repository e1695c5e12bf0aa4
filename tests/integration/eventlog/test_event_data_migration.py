"""A home's event log from before events kept their data migrates: the events it left
pending apply after the upgrade as they would have before it (same applied data, the
same references checked), and the migration goes back down to the payloads alone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from accord.adapters.billing_store import SqlAlchemyAppliedRecords
from accord.adapters.store import MIGRATIONS, create_store_engine
from accord.bootstrap import build_hub
from accord.canonical import v1
from accord.canonical.base import CanonicalModel
from accord.canonical.envelope import CloudEvent
from accord.settings import Settings
from tests.integration.wired_store import DATABASES, database_url_of

BEFORE = "0011_billing_rows"
AT = datetime(2026, 3, 2, 18, tzinfo=UTC)


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url_of(request, tmp_path)


def _entry(entry_id: str, contract: str) -> v1.TimeEntry:
    return v1.TimeEntry(
        id=entry_id, contract=contract, term="TM", resource="R1", date=date(2026, 3, 2),
        hours=Decimal("7.5"), description="Workshop, Zürich",
    )  # fmt: skip


RECORDS: list[CanonicalModel] = [
    v1.Contract(id="K1", customer="C1", entity="DE01", currency="EUR", start=date(2026, 1, 1)),
    v1.Resource(id="R1", name="Ada Lovelace", role="consultant"),
    _entry("TE-1", "K1"),
    _entry("TE-2", "K9"),
]


def _migrate(engine: sa.Engine, revision: str, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _payload_as_before(record: CanonicalModel) -> str:
    """The event as the release before the migration wrote it (empty fields as null)."""
    event = CloudEvent.wrap(record, source="/sandbox", id=f"{record.SCHEMA_NAME}:1", time=AT)
    return event.model_copy(update={"data": record.model_dump(mode="json")}).to_json()


def _log_as_before(engine: sa.Engine) -> None:
    """The events as the release before the migration logged them, left pending."""
    rows = []
    for record in RECORDS:
        key = record.business_key()
        rows.append({
            "source": "/sandbox", "event_id": f"{record.SCHEMA_NAME}:{key}", "subject": key,
            "type": f"accord.{record.SCHEMA_NAME}.v1", "business_kind": record.SCHEMA_NAME,
            "business_key": key, "business_version": record.business_version(),
            "status": "pending", "payload": _payload_as_before(record), "received_at": AT,
        })  # fmt: skip
    table = sa.Table("inbound_events", sa.MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), rows)


def _columns(engine: sa.Engine) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns("inbound_events")}


def test_pending_events_of_an_old_home_apply_after_the_upgrade(
    database_url: str, tmp_path: Path
) -> None:
    engine = create_store_engine(database_url)
    try:
        _migrate(engine, BEFORE)
        _log_as_before(engine)
        hub = build_hub(Settings(home=tmp_path, database_url=database_url))
        try:
            assert hub.worker.run_once() == len(RECORDS)
        finally:
            hub.close()
        applied = SqlAlchemyAppliedRecords(engine).get("time_entry", "TE-1")
        with engine.connect() as connection:
            statuses = dict(connection.execute(_STATUSES).all())
            kept = connection.execute(_KEPT).scalar()
        _migrate(engine, BEFORE, down=True)
        columns = _columns(engine)
    finally:
        engine.dispose()

    assert applied is not None
    assert v1.TimeEntry.model_validate_json(applied.data) == RECORDS[2]
    assert statuses == {"K1": "applied", "R1": "applied", "TE-1": "applied", "TE-2": "quarantined"}
    assert kept == 0, "a processed event keeps its payload only"
    assert "data" not in columns and "refs" not in columns and "payload" in columns


_STATUSES = sa.text("SELECT business_key, status FROM inbound_events")
_KEPT = sa.text("SELECT count(*) FROM inbound_events WHERE data IS NOT NULL OR refs IS NOT NULL")
