"""One open `unknown_reference` exception per quarantined record, not per delivery.

A source that sends three revisions of a time entry naming a contract not yet applied
gets three quarantined deliveries, but they are one problem: only the newest revision
matters (once applied, the older ones would be stale). So the newest one holds the
exception; the older revisions in the same batch are listed on it
(`details.older_events`), and an exception still open for an older revision is
resolved as superseded by the new one. An older revision arriving after a newer one
is noted on the newer one's exception instead of opening another.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from accord.application.applying import RejectedEvent
from accord.application.exception_service import BatchExceptions
from accord.application.ports import ExceptionRecord
from accord.application.unit_of_work import UnitOfWork
from accord.domain.exceptions import BusinessException, ExceptionKind, ExceptionStatus

RecordKey = tuple[str, str]


def raise_unknown_references(
    uow: UnitOfWork, exceptions: BatchExceptions, rejected: Sequence[RejectedEvent], at: datetime
) -> None:
    """Raise one exception per record among `rejected` (in log order), collapsing
    revisions of one record into the exception of the newest."""
    newest: dict[RecordKey, RejectedEvent] = {}
    older: dict[RecordKey, list[str]] = {}
    for item in rejected:
        key = (item.event.business_kind, item.event.business_key)
        kept = newest.get(key)
        if kept is not None and item.event.business_version < kept.event.business_version:
            older.setdefault(key, []).append(item.event.event_id)
            continue
        if kept is not None:
            older.setdefault(key, []).append(kept.event.event_id)
        newest[key] = item
    open_now = _open_by_record(uow)
    for key, item in newest.items():
        standing = open_now.get(key, [])
        newer = [r for r in standing if str(r.details.get("version")) > item.event.business_version]
        if newer:
            entry = {"action": "older_revision", "event_id": item.event.event_id}
            uow.exceptions.note(newer[0].id, entry, at)
            continue
        new_id = exceptions.raise_in(uow, _problem(item), _details(item, older.get(key, [])), at)
        for record in standing:
            note = f"superseded by exception {new_id}, about a newer revision of {key[1]}"
            exceptions.resolve_in(uow, record, note, at)


def _open_by_record(uow: UnitOfWork) -> dict[RecordKey, list[ExceptionRecord]]:
    found: dict[RecordKey, list[ExceptionRecord]] = {}
    listed = uow.exceptions.list(kind=ExceptionKind.UNKNOWN_REFERENCE, status=ExceptionStatus.OPEN)
    for record in listed:
        kind, key = record.details.get("business_kind"), record.details.get("business_key")
        if isinstance(kind, str) and isinstance(key, str) and "version" in record.details:
            found.setdefault((kind, key), []).append(record)
    return found


def _problem(item: RejectedEvent) -> BusinessException:
    return BusinessException(
        kind=ExceptionKind.UNKNOWN_REFERENCE,
        subject=item.event.event_id,
        message=item.reason,
        blocks=(item.event.business_key,),
    )


def _details(item: RejectedEvent, older_events: list[str]) -> dict[str, Any]:
    event = item.event
    details: dict[str, Any] = {
        "seq": event.seq,
        "source": event.source,
        "type": event.type,
        "business_kind": event.business_kind,
        "business_key": event.business_key,
        "version": event.business_version,
    }
    if older_events:
        details["older_events"] = older_events
    return details
