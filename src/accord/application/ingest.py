"""Ingest: append delivered CloudEvents to the inbound event log, one transaction a batch.

Every delivered event is kept with its raw payload. A valid one is stored pending for
the worker; a duplicate `(source, id)` is acknowledged and changes nothing, unless the
delivery stored under it was quarantined: then the valid one is a correction, stored
and applied, the quarantined one kept as superseded and its exception closed. An invalid
one (bad JSON, missing or mistyped fields, unknown type) is stored quarantined with the
reason and raises an `invalid_event` exception (audited and announced with the batch
when wired to the exception service), never dropped.

An event too large (over `max_event_bytes`) or nested too deeply (over
`MAX_JSON_DEPTH`) is not taken at all: its whole batch is refused (`EventsRefused`)
before anything is stored, so the sender learns at once and nothing unbounded is kept.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from operator import or_
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import Field, TypeAdapter, ValidationError, create_model

from accord.application.applying import references_of
from accord.application.bulk import collector_paused
from accord.application.clock import Clock, utc_now
from accord.application.exception_service import BatchExceptions, QueuedOnly
from accord.application.ports import EventStatus, InboundEvent
from accord.application.unit_of_work import UnitOfWork, UnitOfWorkFactory
from accord.canonical.base import CanonicalModel
from accord.canonical.envelope import DEFAULT_MAX_EVENT_BYTES, CloudEvent, problems_of
from accord.canonical.errors import InvalidEvent, MalformedEvent, Problem
from accord.canonical.nesting import MAX_JSON_DEPTH, nests_deeper_than
from accord.canonical.registry import ALL_MODELS, event_type_for, model_for_event_type
from accord.domain.exceptions import BusinessException, ExceptionKind, ExceptionStatus

UNPARSED_SOURCE = "urn:accord:ingest:unidentified"
"""Source recorded for an event whose own `source`/`id` could not be read; its id is
then the SHA-256 of the raw bytes, so redelivering the same bytes is still a duplicate."""


@dataclass(slots=True)
class IngestReport:
    """What one ingest call did; `reasons` counts the reasons of quarantined and refused
    events (first line only)."""

    accepted: int = 0
    corrected: int = 0
    """Of `accepted`: corrected redeliveries of quarantined events."""
    duplicates: int = 0
    quarantined: int = 0
    refused: int = 0
    """Left out unstored, too large or too deep (pulled batches only)."""
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def received(self) -> int:
        return self.accepted + self.duplicates + self.quarantined + self.refused

    def add(self, other: IngestReport) -> None:
        self.accepted += other.accepted
        self.corrected += other.corrected
        self.duplicates += other.duplicates
        self.quarantined += other.quarantined
        self.refused += other.refused
        self.reasons.update(other.reasons)


Delivered = bytes | str | InboundEvent
"""A raw event (JSON), or one already decoded from a validated canonical record."""


class Refusal(NamedTuple):
    """Why the event at `position` (from 0) of a batch is not taken: too large or too deep."""

    position: int
    reason: str
    too_large: bool


class EventsRefused(ValueError):
    """A batch held events the log does not take; nothing of the batch was stored."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = list(refusals)
        shown = "; ".join(f"event {r.position + 1}: {r.reason}" for r in self.refusals[:3])
        more = len(self.refusals) - 3
        super().__init__(shown + (f"; and {more} more" if more > 0 else ""))


class IngestService:
    """Parses raw CloudEvents (structured JSON) and appends them to the event log."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        *,
        batch_size: int = 5000,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        clock: Clock = utc_now,
        exceptions: BatchExceptions | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._exceptions = exceptions or QueuedOnly()
        self.batch_size = batch_size
        self._max_event_bytes = max_event_bytes
        self._clock = clock

    def ingest_lines(
        self,
        lines: Iterable[bytes | str],
        on_batch: Callable[[IngestReport], None] | None = None,
    ) -> IngestReport:
        """Ingest JSON lines (blank lines skipped), `batch_size` events per transaction."""
        total = IngestReport()
        batch: list[bytes | str] = []
        for line in lines:
            if line.strip():
                batch.append(line)
            if len(batch) >= self.batch_size:
                total.add(self._flush(batch, on_batch))
                batch = []
        if batch:
            total.add(self._flush(batch, on_batch))
        return total

    def _flush(
        self, batch: list[bytes | str], on_batch: Callable[[IngestReport], None] | None
    ) -> IngestReport:
        report = self.ingest_batch(batch)
        if on_batch is not None:
            on_batch(report)
        return report

    def refusals(self, raws: Sequence[Delivered]) -> list[Refusal]:
        """The events of `raws` the log would not take (see the module's docstring)."""
        found = []
        for index, delivered in enumerate(raws):
            raw = _raw(delivered)
            size = _size_over(raw, self._max_event_bytes)
            if size is not None:
                reason = (
                    f"event of {size} bytes exceeds the {self._max_event_bytes}-byte limit; "
                    "send large documents by reference or raise the limit"
                )
                found.append(Refusal(index, reason, too_large=True))
            elif nests_deeper_than(raw, MAX_JSON_DEPTH):
                reason = (
                    f"event nests objects or arrays deeper than {MAX_JSON_DEPTH} levels; "
                    "no canonical record needs that many"
                )
                found.append(Refusal(index, reason, too_large=False))
        return found

    def ingest_batch(
        self,
        raws: Sequence[Delivered],
        *,
        refuse_whole: bool = True,
        rejected: Sequence[tuple[str, str]] = (),
    ) -> IngestReport:
        """Append one batch in one transaction and report what became of it.

        An event too large or too deep raises EventsRefused, storing nothing. With
        `refuse_whole=False` (records pulled from a system, which no answer reaches)
        such an event is left out instead, unstored, and raises an `invalid_event`
        exception naming it; the rest of the batch is appended. `rejected` pairs an
        event a connector could not map with its reason: each is stored quarantined
        with that reason (once per `(source, id)`) and raises `invalid_event`. An event
        already decoded (an `InboundEvent`: a record a connector validated into its
        canonical model, `inbound_sync.pulled_event`) is not parsed again."""
        refused = self.refusals(raws)
        if refused and refuse_whole:
            raise EventsRefused(refused)
        left_out = {refusal.position: refusal.reason for refusal in refused}
        valid: list[InboundEvent] = []
        invalid: list[InboundEvent] = []
        with collector_paused():
            for position, delivered in enumerate(raws):
                if position not in left_out:
                    event = (
                        delivered if isinstance(delivered, InboundEvent) else self.parse(delivered)
                    )
                    (valid if event.status is EventStatus.PENDING else invalid).append(event)
            invalid.extend(_quarantined(raw, reason) for raw, reason in rejected)
        report = IngestReport(refused=len(left_out))
        with self._exceptions.transaction(), self._unit_of_work() as uow:
            now = self._clock()
            report.accepted = uow.events.append(valid)
            if report.accepted < len(valid):
                report.corrected = self._append_corrections(uow, valid, now)
                report.accepted += report.corrected
            stored = uow.events.append_quarantined(invalid)
            unstored = [_quarantined(_raw(raws[at]), reason) for at, reason in left_out.items()]
            for event in [*stored, *unstored]:
                self._raise_invalid(uow, event, now, report)
            uow.commit()
        report.quarantined = len(stored)
        received = len(raws) + len(rejected)
        report.duplicates = received - report.accepted - report.quarantined - report.refused
        return report

    def _raise_invalid(
        self, uow: UnitOfWork, event: InboundEvent, now: datetime, report: IngestReport
    ) -> None:
        reason = event.reason or "invalid event"
        report.reasons[reason.splitlines()[0]] += 1
        details = {"source": event.source, "event_id": event.event_id, "type": event.type}
        self._exceptions.raise_in(
            uow,
            BusinessException(ExceptionKind.INVALID_EVENT, event.event_id, reason),
            details,
            now,
        )

    def _append_corrections(
        self, uow: UnitOfWork, valid: Sequence[InboundEvent], now: datetime
    ) -> int:
        """Valid events whose `(source, id)` was quarantined are corrected redeliveries:
        the quarantined delivery is kept, superseded, the correction appended, and the
        exception the quarantine raised is closed. Returns how many were appended."""
        superseded = uow.events.supersede_quarantined(valid, now)
        if not superseded:
            return 0
        replaced = {(q.source, q.event_id) for q in superseded}
        appended = uow.events.append([e for e in valid if (e.source, e.event_id) in replaced])
        for kind in (ExceptionKind.INVALID_EVENT, ExceptionKind.UNKNOWN_REFERENCE):
            for record in uow.exceptions.list(kind=kind, status=ExceptionStatus.OPEN):
                source = record.details.get("source")
                if (source, record.subject) in replaced:
                    note = (
                        f"a corrected redelivery of {source} {record.subject} was logged; "
                        "the quarantined delivery is kept as superseded"
                    )
                    self._exceptions.resolve_in(uow, record, note, now)
        return appended

    def parse(self, raw: bytes | str) -> InboundEvent:
        """Turn one raw event into a log entry: pending when valid, else quarantined. A
        valid one carries its record's canonical `data` and `references`, read from the
        model it was validated into, so the worker does not decode it again."""
        try:
            return self._parse_valid(raw)
        except InvalidEvent as error:
            return _quarantined(raw, str(error))

    def _parse_valid(self, raw: bytes | str) -> InboundEvent:
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        try:
            typed = _ANY_EVENT.validate_json(raw)
            envelope, model = typed, typed.data
        except ValidationError:
            envelope, model = _validated_in_steps(text)
        return InboundEvent(
            source=envelope.source,
            event_id=envelope.id,
            type=envelope.type,
            payload=text.rstrip("\r\n"),
            subject=envelope.subject,
            business_kind=model.SCHEMA_NAME,
            business_key=model.business_key(),
            business_version=model.business_version(),
            data=model.to_json(),
            references=references_of(model),
        )


def _raw(delivered: Delivered) -> bytes | str:
    return delivered.payload if isinstance(delivered, InboundEvent) else delivered


def _size_over(raw: bytes | str, limit: int) -> int | None:
    """The byte size of `raw` when it is over `limit`, else None; a short text is not
    encoded to find out (a character is at most 4 bytes of UTF-8)."""
    if isinstance(raw, bytes):
        size = len(raw)
    elif len(raw) * 4 <= limit:
        return None
    else:
        size = len(raw.encode())
    return size if size > limit else None


def _typed_event(model: type[CanonicalModel]) -> Any:
    """The envelope of one event type with `data` typed as its canonical model."""
    fields: dict[str, Any] = {
        "type": (Literal.__getitem__(event_type_for(model)), ...),
        "data": (model, ...),
    }
    return create_model(f"{model.__name__}Event", __base__=CloudEvent, **fields)


_ANY_EVENT_TYPE: Any = reduce(or_, (_typed_event(model) for model in ALL_MODELS))
_ANY_EVENT: TypeAdapter[Any] = TypeAdapter(Annotated[_ANY_EVENT_TYPE, Field(discriminator="type")])
"""Envelope and payload validated in one pass straight from the JSON text. When it
fails, `_validated_in_steps` runs to say precisely what is wrong (envelope, type or
data); validating in one pass is what makes ingest keep up with the log's writes."""


def _validated_in_steps(text: str) -> tuple[CloudEvent, CanonicalModel]:
    envelope = _envelope(text)
    model_cls = model_for_event_type(envelope.type)
    try:
        return envelope, model_cls.model_validate(envelope.data)
    except ValidationError as error:
        raise MalformedEvent(
            f"data does not match {envelope.type}", problems_of(error, prefix="data")
        ) from None


def _envelope(text: str) -> CloudEvent:
    try:
        return CloudEvent.model_validate_json(text)
    except ValidationError as error:
        if any(detail["type"] == "json_invalid" for detail in error.errors()):
            raise MalformedEvent(
                "event is not valid JSON", [Problem("", str(error.errors()[0]["msg"]))]
            ) from None
        if any(detail["type"] == "model_type" for detail in error.errors()):
            raise MalformedEvent(
                "event must be a JSON object in CloudEvents structured mode"
            ) from None
        raise MalformedEvent("invalid CloudEvents envelope", problems_of(error)) from None


def _quarantined(raw: bytes | str, reason: str) -> InboundEvent:
    data = (raw if isinstance(raw, bytes) else raw.encode()).rstrip(b"\r\n")
    text = data.decode("utf-8", errors="replace")
    source, event_id, event_type = _identity(text)
    if source is None or event_id is None:
        source, event_id = UNPARSED_SOURCE, "sha256:" + hashlib.sha256(data).hexdigest()
    return InboundEvent(
        source=source,
        event_id=event_id,
        type=event_type or "unknown",
        payload=text,
        status=EventStatus.QUARANTINED,
        reason=reason,
    )


def _identity(text: str) -> tuple[str | None, str | None, str | None]:
    """Best-effort `source`, `id` and `type` of an invalid event, for dedup and triage."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return None, None, None
    if not isinstance(document, dict):
        return None, None, None
    found = [document.get(name) for name in ("source", "id", "type")]
    source, event_id, event_type = (
        value if isinstance(value, str) and value else None for value in found
    )
    return source, event_id, event_type
