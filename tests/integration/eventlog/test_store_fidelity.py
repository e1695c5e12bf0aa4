"""What the store hands back is what it was given, on every database: keys differing
only in case or a trailing space stay apart, times keep their microseconds, amounts
every digit, a payload beyond 64 KiB every byte, and a value too long for its column is
refused, never stored cut short; request guards claim a key once."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from accord.adapters.request_guards import SqlAlchemyIdempotencyStore, SqlAlchemyReplayGuard
from accord.adapters.tables import exceptions
from accord.application.idempotency import Claim
from accord.application.ports import EventStatus
from accord.bootstrap import Hub
from accord.domain.exceptions import BusinessException, ExceptionKind
from tests.integration.eventlog.eventlog_factory import CONTRACT_ID, cloud_event, master_data

CLOSE_KEYS = ["TE-Case", "te-case", "TE-Case ", "TE-Cäse"]


def _entry(entry_id: str) -> str:
    data = {
        "id": entry_id,
        "contract": CONTRACT_ID,
        "term": "TM",
        "resource": "R1",
        "date": "2026-03-02",
        "hours": "1.5",
        "version": 1,
    }
    return cloud_event(f"event-{entry_id}", "accord.time_entry.v1", data)


def test_keys_differing_only_in_case_or_a_trailing_space_stay_apart(hub: Hub) -> None:
    report = hub.ingest.ingest_lines([*master_data(), *map(_entry, CLOSE_KEYS)])
    assert (report.accepted, report.duplicates) == (2 + len(CLOSE_KEYS), 0)
    hub.worker.run_once()

    with hub.reading() as uow:
        assert uow.objects.count("time_entry") == len(CLOSE_KEYS)
        stored = {key: uow.objects.get("time_entry", key) for key in CLOSE_KEYS}
    assert {key: found.key if found else None for key, found in stored.items()} == {
        key: key for key in CLOSE_KEYS
    }
    again = hub.ingest.ingest_lines([_entry(CLOSE_KEYS[0])])
    assert (again.accepted, again.duplicates) == (0, 1)


def test_times_keep_microseconds_and_amounts_every_digit(hub: Hub) -> None:
    at = datetime(2026, 3, 2, 10, 11, 12, 345678, tzinfo=UTC)
    amount = Decimal("123456789.123456")  # within what SQLite's float keeps
    exception = BusinessException(
        ExceptionKind.SYSTEM_UNAVAILABLE, "INV-1", "erp down", amount, "EUR"
    )
    with hub.unit_of_work() as uow:
        exception_id = uow.exceptions.raise_(exception, {}, at)
        uow.commit()

    with hub.reading() as uow:
        record = uow.exceptions.get(exception_id)
    assert record is not None
    assert record.created_at == at
    with hub.engine.connect() as connection:
        stored = connection.execute(sa.select(exceptions.c.amount_at_risk)).scalar_one()
    assert stored == amount


def test_a_payload_beyond_64_kib_is_kept_whole(hub: Hub) -> None:
    raw = cloud_event("big-1", "accord.unknown.v1", {"notes": "x" * 150_000})
    assert len(raw.encode()) > 128 * 1024

    report = hub.ingest.ingest_lines([raw])

    assert report.quarantined == 1
    with hub.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT payload FROM inbound_events")).scalar_one()
    assert stored == raw


def test_an_event_id_too_long_for_its_column_is_refused_or_kept_whole(hub: Hub) -> None:
    event_id = "e" * 600  # the column holds 500
    raw = cloud_event(event_id, "accord.customer.v1", {"id": "C9", "name": "Nine", "country": "DE"})
    with contextlib.suppress(ValueError, sa.exc.DataError):  # PostgreSQL, MariaDB refuse it
        hub.ingest.ingest_lines([raw])
    with hub.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT event_id FROM inbound_events")).scalars()
        assert [len(found) for found in stored] in ([], [600])  # SQLite keeps it whole
    assert hub.status().counts[EventStatus.PENDING] in (0, 1)


def test_request_guards_claim_a_key_once_and_tell_close_keys_apart(hub: Hub) -> None:
    keys, at = SqlAlchemyIdempotencyStore(hub.engine), datetime.now(UTC)
    assert keys.claim("POST /api/v1/events", "Key-1", "f1", at).claim is Claim.NEW
    assert keys.claim("POST /api/v1/events", "Key-1", "f1", at).claim is Claim.IN_PROGRESS
    assert keys.claim("POST /api/v1/events", "key-1", "f1", at).claim is Claim.NEW
    with contextlib.suppress(ValueError, sa.exc.DataError):  # PostgreSQL, MariaDB refuse it
        keys.claim("s" * 400, "Key-1", "f1", at)  # the scope column holds 300
    with hub.engine.connect() as connection:
        scopes = connection.execute(sa.text("SELECT scope FROM idempotency_keys")).scalars()
        assert sorted(len(scope) for scope in scopes) in ([19, 19], [19, 19, 400])

    signatures = SqlAlchemyReplayGuard(hub.engine)
    assert signatures.first_seen("crm", "t=1,v1=ab", at)
    assert not signatures.first_seen("crm", "t=1,v1=ab", at)
    assert signatures.first_seen("crm", "t=1,v1=AB", at)
