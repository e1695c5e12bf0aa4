"""Pull what connected systems changed and append it to the event log.

Each stream is read from the cursor the hub stored for it; records become CloudEvents
whose id is derived from (kind, business key, business version), so re-reading a page
after a crash, or a system delivering the same change twice, is a duplicate the log
ignores. A record is decoded once: the connector validates it into its canonical model,
which is encoded once into the logged event, not parsed back at ingest. The cursor moves
only after the page is durably logged. A source record the
connector could not map (a bad row of a dropped file) is logged quarantined with the
connector's reason, in the same transaction as the page's good records, and raises an
`invalid_event` exception; re-reading it changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from accord.application.applying import references_of
from accord.application.gateways import is_gateway_failure
from accord.application.ingest import IngestReport, IngestService
from accord.application.ports import InboundEvent
from accord.canonical.base import CanonicalModel
from accord.canonical.envelope import CloudEvent
from accord.canonical.registry import EVENT_TYPE_PREFIX, event_type_for
from accord.canonical.streams import Cursor, RejectedRecord, Stream

log = logging.getLogger("accord.inbound")


class CursorStore(Protocol):
    """Where each connector stream stopped reading; connectors keep no state."""

    def get(self, connector: str, stream: str) -> str | None: ...

    def put(self, connector: str, stream: str, cursor: str) -> None: ...


@dataclass(frozen=True, slots=True)
class SourceStream:
    connector: str
    stream: Stream


def event_for(record: CanonicalModel, source: str) -> str:
    """The record as a CloudEvent (JSON), with an id that repeats when the change does."""
    return pulled_event(record, source).payload


def pulled_event(record: CanonicalModel, source: str) -> InboundEvent:
    """The record as the event log keeps it, encoded once and not parsed back: the
    connector already validated it into its canonical model, so its identity (kind,
    business key and version), its references and its canonical `data` are read from
    the model, and ingest takes the event as it is (`IngestService.ingest_batch`)
    instead of decoding and validating its JSON again. The record's JSON is the logged
    event's `data` and, spliced into the envelope, its payload."""
    kind, key, version = record.SCHEMA_NAME, record.business_key(), record.business_version()
    event_id = f"{kind}:{key}:{version}"
    payload, data = CloudEvent.wrap_json(record, source=source, id=event_id)
    return InboundEvent(
        source=source,
        event_id=event_id,
        type=event_type_for(type(record)),
        payload=payload,
        subject=key,
        business_kind=kind,
        business_key=key,
        business_version=version,
        data=data,
        references=references_of(record),
    )


def rejected_event_for(rejected: RejectedRecord, source: str) -> str:
    """A rejected source record as the event it should have been (JSON): its `data` is the
    source record as is, so ingest keeps it quarantined under a stable `(source, id)`."""
    document = {
        "specversion": "1.0",
        "id": f"rejected:{rejected.id}",
        "source": source,
        "type": f"{EVENT_TYPE_PREFIX}{rejected.kind}.v1",
        "data": dict(rejected.payload),
    }
    return json.dumps(document, default=str, sort_keys=True)


class InboundSync:
    """Reads every configured stream to its end and logs what it found."""

    def __init__(
        self,
        streams: Sequence[SourceStream],
        cursors: CursorStore,
        ingest: IngestService,
        page_size: int = 500,
    ) -> None:
        self._streams = list(streams)
        self._cursors = cursors
        self._ingest = ingest
        self._page_size = page_size

    def pull(self, stopping: Callable[[], bool] | None = None) -> IngestReport:
        """Read every stream; a system that is down is skipped until the next pull (its
        cursor has not moved, so nothing is lost) and logged as a warning. Once
        `stopping()` says so, it stops after the page in hand (its cursor is saved)."""
        total = IngestReport()
        for source in self._streams:
            if stopping is not None and stopping():
                break
            try:
                total.add(self._pull(source, stopping))
            except Exception as error:
                if not is_gateway_failure(error):
                    raise
                log.warning(
                    "%s/%s not read this time: %s",
                    source.connector,
                    source.stream.name,
                    error.reason,
                )
        return total

    def _pull(self, source: SourceStream, stopping: Callable[[], bool] | None) -> IngestReport:
        name = source.stream.name
        origin = f"/{source.connector}/{name}"
        stored = self._cursors.get(source.connector, name)
        cursor = None if stored is None else Cursor(stored)
        total = IngestReport()
        while True:
            page = source.stream.read(cursor, self._page_size)
            if page.records or page.rejected:
                events = [pulled_event(r, origin) for r in page.records]
                rejected = [(rejected_event_for(r, origin), r.reason) for r in page.rejected]
                # A record too large to log is left out with an exception: refusing the
                # page would hold the stream's cursor on it for ever.
                total.add(self._ingest.ingest_batch(events, refuse_whole=False, rejected=rejected))
            if page.next_cursor is not None and page.next_cursor != cursor:
                cursor = page.next_cursor
                self._cursors.put(source.connector, name, cursor)
            if not page.has_more or (stopping is not None and stopping()):
                return total
