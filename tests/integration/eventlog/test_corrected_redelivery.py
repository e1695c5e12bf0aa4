"""A corrected redelivery of a quarantined event is logged and applied, on SQLite and
PostgreSQL; a database from before keeps its events and its uniqueness when migrated."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from accord.adapters.store import MIGRATIONS
from accord.application.ports import EventStatus
from accord.bootstrap import Hub
from accord.domain.exceptions import ExceptionKind, ExceptionStatus
from tests.integration.eventlog.eventlog_factory import cloud_event, time_entry

BROKEN = cloud_event("c-1", "accord.customer.v1", {"id": "C1", "country": "DE"})
CORRECTED = cloud_event("c-1", "accord.customer.v1", {"id": "C1", "name": "A", "country": "DE"})


def test_a_corrected_redelivery_is_applied_and_the_quarantined_one_kept(hub: Hub) -> None:
    quarantined = hub.ingest.ingest_lines([BROKEN, BROKEN])
    corrected = hub.ingest.ingest_lines([CORRECTED])
    hub.worker.run_once()
    again = hub.ingest.ingest_lines([CORRECTED, BROKEN])

    assert (quarantined.quarantined, quarantined.duplicates) == (1, 1)
    assert (corrected.accepted, corrected.corrected, corrected.duplicates) == (1, 1, 0)
    assert (again.accepted, again.duplicates, again.quarantined) == (0, 2, 0)
    counts = hub.status().counts
    assert counts[EventStatus.APPLIED] == 1 and counts[EventStatus.SUPERSEDED] == 1
    assert counts[EventStatus.QUARANTINED] == 0
    with hub.unit_of_work() as uow:
        stored = uow.objects.get("customer", "C1")
    assert stored is not None and '"name":"A"' in stored.data.replace(" ", "")
    [record] = hub.exceptions(kind=ExceptionKind.INVALID_EVENT)
    assert record.status is ExceptionStatus.RESOLVED and record.subject == "c-1"


def test_an_unknown_reference_quarantine_is_superseded_by_a_redelivery(hub: Hub) -> None:
    entry = time_entry(1)  # names contract K1, which never arrived
    hub.ingest.ingest_lines([entry])
    hub.worker.run_once()
    [unknown] = hub.exceptions(kind=ExceptionKind.UNKNOWN_REFERENCE)

    report = hub.ingest.ingest_lines([entry])

    assert report.corrected == 1 and hub.status().counts[EventStatus.PENDING] == 1
    [closed] = hub.exceptions(kind=ExceptionKind.UNKNOWN_REFERENCE)
    assert closed.id == unknown.id and closed.status is ExceptionStatus.RESOLVED


def test_migrating_a_sqlite_log_keeps_events_and_their_uniqueness(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    row = (
        "INSERT INTO inbound_events (source, event_id, type, status, payload, received_at) "
        "VALUES ('crm', 'e1', 't', '{status}', '{{}}', '2026-01-01 00:00:00')"
    )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        connection.exec_driver_sql(row.format(status="quarantined"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with engine.begin() as connection, pytest.raises(sa.exc.IntegrityError):
        connection.exec_driver_sql(row.format(status="pending"))
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE inbound_events SET status = 'superseded'")
        connection.exec_driver_sql(row.format(status="pending"))
        count = connection.exec_driver_sql("SELECT count(*) FROM inbound_events").scalar_one()
    assert count == 2
