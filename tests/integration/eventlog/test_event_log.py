"""Exactly-once effects of the inbound event log, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random

import pytest

from accord.application.ingest import EventsRefused
from accord.application.ports import EventStatus
from accord.bootstrap import Hub
from accord.domain.exceptions import ExceptionKind, ExceptionStatus, OwnerRole
from tests.integration.eventlog.eventlog_factory import (
    cloud_event,
    master_data,
    time_entries,
    time_entry,
)


def _state(hub: Hub) -> dict[str, str]:
    """Applied time-entry hours by key, read through the business-object store."""
    with hub.unit_of_work() as uow:
        count = uow.objects.count("time_entry")
        state = {}
        for entry in range(count):
            stored = uow.objects.get("time_entry", f"TE-{entry}")
            assert stored is not None
            state[stored.key] = json.loads(stored.data)["hours"]
    return state


def test_ingesting_the_same_events_twice_applies_each_once(hub: Hub) -> None:
    events = master_data() + time_entries(10_000)
    first = hub.ingest.ingest_lines(events)
    hub.worker.run_once()
    second = hub.ingest.ingest_lines(events)
    hub.worker.run_once()

    assert (first.accepted, first.duplicates) == (10_002, 0)
    assert (second.accepted, second.duplicates) == (0, 10_002)
    status = hub.status()
    assert status.counts[EventStatus.APPLIED] == 10_002
    assert status.backlog == 0
    with hub.unit_of_work() as uow:
        assert uow.objects.count("time_entry") == 10_000
        assert len(uow.outbox.unpublished(100_000)) == 10_002


def test_shuffled_delivery_with_stale_versions_ends_as_ordered_delivery(
    hub: Hub, database_url: str
) -> None:
    revisions = time_entries(500, revisions=3)
    shuffled = revisions[:]
    random.Random(7).shuffle(shuffled)
    hub.ingest.ingest_lines(master_data())
    hub.worker.run_once()
    for start in range(0, len(shuffled), 300):  # several deliveries, several batches
        hub.ingest.ingest_lines(shuffled[start : start + 300])
        hub.worker.run_once()

    assert _state(hub) == {f"TE-{entry}": "3.5" for entry in range(500)}
    counts = hub.status().counts
    assert counts[EventStatus.STALE] > 0
    assert counts[EventStatus.APPLIED] + counts[EventStatus.STALE] == 1_500 + 2


def test_an_older_revision_arriving_late_is_recorded_stale_and_not_applied(hub: Hub) -> None:
    hub.ingest.ingest_lines([*master_data(), time_entry(1, revision=2)])
    hub.worker.run_once()
    hub.ingest.ingest_lines([time_entry(1, revision=1)])
    hub.worker.run_once()

    with hub.unit_of_work() as uow:
        stored = uow.objects.get("time_entry", "TE-1")
    assert stored is not None and json.loads(stored.data)["hours"] == "2.5"
    assert hub.status().counts[EventStatus.STALE] == 1


MALFORMED = {
    "bad JSON": ('{"id": "x", "source": ', "not valid JSON"),
    "missing fields": (
        '{"specversion": "1.0", "id": "m1", "source": "psa"}',
        "type: Field required",
    ),
    "wrong types": (
        cloud_event(
            "w1",
            "accord.time_entry.v1",
            {
                "id": "TE-9",
                "contract": "K1",
                "term": "TM",
                "resource": "R1",
                "date": "2026-03-02",
                "hours": 7.5,
            },
        ),
        "data.hours",
    ),
    "unknown event type": (
        cloud_event("u1", "accord.teleport.v1", {"id": "T1"}),
        "unknown event type",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_is_quarantined_with_its_reason_and_raw_payload(
    hub: Hub, case: str
) -> None:
    raw, expected_reason = MALFORMED[case]
    report = hub.ingest.ingest_lines([raw, raw])  # redelivery of the same bytes

    assert (report.quarantined, report.duplicates, report.accepted) == (1, 1, 0)
    [reason] = report.reasons
    assert expected_reason in reason
    [record] = hub.exceptions(owner=OwnerRole.INTEGRATION, status=ExceptionStatus.OPEN)
    assert record.kind is ExceptionKind.INVALID_EVENT
    assert expected_reason in record.message
    assert hub.status().counts[EventStatus.QUARANTINED] == 1
    with hub.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT payload FROM inbound_events").scalar_one()
    assert stored == raw


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (
            cloud_event("o1", "accord.customer.v1", {"id": "C9", "name": "x" * 300_000}),
            "262144-byte limit",
        ),
        (
            cloud_event("d1", "accord.customer.v1", {"id": "C9", "x": "deep"}).replace(
                '"deep"', "[" * 100 + "]" * 100
            ),
            "deeper than 64 levels",
        ),
    ],
    ids=["oversized", "too deep"],
)
def test_an_oversized_or_too_deep_event_refuses_its_batch_and_nothing_is_stored(
    hub: Hub, raw: str, reason: str
) -> None:
    fine = cloud_event("c1", "accord.customer.v1", {"id": "C1", "name": "x", "country": "DE"})

    with pytest.raises(EventsRefused) as refused:
        hub.ingest.ingest_lines([fine, raw])

    assert [r.position for r in refused.value.refusals] == [1]
    assert "event 2: " in str(refused.value) and reason in str(refused.value)
    assert sum(hub.status().counts.values()) == 0
    assert hub.exceptions() == []


def test_a_pulled_batch_leaves_an_oversized_event_out_with_an_exception(hub: Hub) -> None:
    """Records pulled from a system reach no sender: the one too large is not stored,
    an exception names it, and the rest of the page is logged."""
    fine = cloud_event("c1", "accord.customer.v1", {"id": "C1", "name": "x", "country": "DE"})
    big = cloud_event("o1", "accord.customer.v1", {"id": "C9", "name": "x" * 300_000})

    report = hub.ingest.ingest_batch([fine, big], refuse_whole=False)

    assert (report.accepted, report.refused, report.quarantined) == (1, 1, 0)
    assert hub.status().counts[EventStatus.PENDING] == 1
    assert sum(hub.status().counts.values()) == 1
    [record] = hub.exceptions(kind=ExceptionKind.INVALID_EVENT)
    assert record.subject == "o1" and "262144-byte limit" in record.message
    assert record.details["source"] == "psa"


def test_an_event_naming_an_unknown_contract_is_quarantined_as_unknown_reference(
    hub: Hub,
) -> None:
    hub.ingest.ingest_lines([time_entry(1)])
    hub.worker.run_once()

    [record] = hub.exceptions(kind=ExceptionKind.UNKNOWN_REFERENCE)
    assert "contract 'K1'" in record.message and record.owner is OwnerRole.INTEGRATION
    assert hub.status().counts[EventStatus.QUARANTINED] == 1
    with hub.unit_of_work() as uow:
        assert uow.objects.count("time_entry") == 0


def test_relay_delivers_each_applied_change_to_in_process_subscribers(hub: Hub) -> None:
    assert hub.bus is not None
    received: list[str] = []
    hub.bus.subscribe("accord.time_entry.", lambda message: received.append(message.subject or ""))
    hub.ingest.ingest_lines([*master_data(), *time_entries(50)])
    hub.worker.run_once()

    assert hub.relay.run_once() == 52
    assert hub.relay.run_once() == 0
    assert sorted(received) == sorted(f"TE-{entry}" for entry in range(50))
    assert hub.status().outbox_unpublished == 0
