"""Exceptions that ingest and the event worker raise are audited and announced like any
other: one audit row and one `accord.exception.opened.v1` event each, committed in the
batch's own transaction, so a batch that rolls back leaves none of the three behind."""

from __future__ import annotations

import json
from typing import Any

import pytest

from accord.application.clock import utc_now
from accord.application.exception_service import ExceptionService
from accord.application.flow_events import FlowChanges, outside_a_flow
from accord.application.worker import EventWorker
from accord.bootstrap import Hub
from accord.domain.exceptions import ExceptionKind
from tests.integration.eventlog.eventlog_factory import master_data, time_entries, time_entry

OPENED = "accord.exception.opened.v1"


def _announced(hub: Hub) -> list[dict[str, Any]]:
    """The `data` of every exception.opened event waiting in the outbox."""
    with hub.unit_of_work() as uow:
        messages = uow.outbox.unpublished(100_000)
    return [json.loads(m.message.payload)["data"] for m in messages if m.message.type == OPENED]


def _audited(hub: Hub) -> dict[str, dict[str, Any]]:
    """exception.opened audit rows by subject: their `after` documents."""
    rows = hub.governance.audit.records()
    return {r.subject: dict(r.after or {}) for r in rows if r.action == "exception.opened"}


def test_a_quarantined_event_is_audited_and_announced_with_its_exception(hub: Hub) -> None:
    hub.ingest.ingest_lines(["{not json", '{"specversion": "1.0"}'])

    records = hub.exceptions(kind=ExceptionKind.INVALID_EVENT)
    assert len(records) == 2
    audited = _audited(hub)
    assert set(audited) == {r.subject for r in records}
    for record in records:
        assert audited[record.subject] == {
            "id": record.id,
            "kind": "invalid_event",
            "owner": "integration",
            "severity": str(record.severity),
        }
    assert sorted(e["after"]["id"] for e in _announced(hub)) == sorted(r.id for r in records)
    assert hub.governance.audit.verify().ok


def test_an_unknown_reference_found_by_the_worker_is_audited_and_announced(hub: Hub) -> None:
    hub.ingest.ingest_lines([time_entry(1), time_entry(2)])  # no contract, no resource yet
    hub.worker.run_once()

    records = hub.exceptions(kind=ExceptionKind.UNKNOWN_REFERENCE)
    assert {r.subject for r in records} == {"te-1-r1", "te-2-r1"}
    audited = _audited(hub)
    assert {s: a["kind"] for s, a in audited.items()} == {
        "te-1-r1": "unknown_reference",
        "te-2-r1": "unknown_reference",
    }
    announced = {e["subject"]: e for e in _announced(hub)}
    assert set(announced) == {"te-1-r1", "te-2-r1"}
    assert {e["actor"] for e in announced.values()} == {outside_a_flow().actor}


class _Crash(Exception):
    pass


def _crash_before_commit(_processed: int) -> None:
    raise _Crash


def test_a_worker_batch_that_rolls_back_leaves_no_exception_audit_row_or_event(
    hub: Hub,
) -> None:
    changes = FlowChanges(hub.governance.audit, hub.unit_of_work)
    exceptions = ExceptionService(hub.unit_of_work, utc_now, changes)
    crashing = EventWorker(
        hub.unit_of_work, before_commit=_crash_before_commit, exceptions=exceptions
    )
    hub.ingest.ingest_lines([time_entry(1)])

    with pytest.raises(_Crash):
        crashing.run_once()

    assert hub.exceptions() == []
    assert _audited(hub) == {} and _announced(hub) == []
    hub.worker.run_once()  # the batch is still pending: the next run raises it, once
    assert [r.subject for r in hub.exceptions()] == ["te-1-r1"]
    assert list(_audited(hub)) == ["te-1-r1"] and len(_announced(hub)) == 1


def test_batches_without_problems_write_no_audit_rows(hub: Hub) -> None:
    hub.ingest.ingest_lines([*master_data(), *time_entries(200)])
    hub.worker.run_once()

    assert hub.exceptions() == []
    assert hub.governance.audit.records() == []
    assert _announced(hub) == []
