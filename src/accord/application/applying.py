"""Deciding what a batch of pending events does: apply, skip as stale, or quarantine.

Pure logic over the claimed events and the versions already applied, so it is tested
without a database and the worker only has to write the plan in one transaction. An
event arrives with what ingest read from its validated record (its canonical `data` as
JSON and the `references` it makes), so nothing here decodes or re-encodes it: the data
becomes the applied state and the outgoing message's `data` as it is.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from operator import attrgetter

from accord.application.ports import (
    BusinessObject,
    EventOutcome,
    EventStatus,
    OutboxMessage,
    PendingEvent,
)
from accord.canonical.base import CanonicalModel

REFERENCES: Mapping[str, Mapping[str, str]] = {
    "time_entry": {"contract": "contract", "resource": "resource"},
    "expense": {"contract": "contract", "resource": "resource"},
}
"""Per business kind: the data fields that must name an already applied record, and the
kind of that record. An event naming an unknown contract or resource is quarantined as
`unknown_reference` instead of being applied. Ingest reads these fields off the
validated record (`references_of`), so the worker checks them without decoding it."""
_RULES = {kind: tuple(fields.items()) for kind, fields in REFERENCES.items()}
_KEYS_OF = {kind: attrgetter(*fields) for kind, fields in REFERENCES.items()}

Reference = tuple[str, str, str]
"""(data field, kind it must name, the key found in that field)."""

ObjectKey = tuple[str, str]
VersionLoader = Callable[[set[ObjectKey]], dict[ObjectKey, str]]

HUB_SOURCE = "/accord/event-log"
_EFFECT_NAMESPACE = uuid.UUID("5f1d3f0e-2b7c-4c55-9a51-0c6a3f1e9d42")
_NAMESPACE_BYTES = _EFFECT_NAMESPACE.bytes


@dataclass(frozen=True, slots=True)
class RejectedEvent:
    event: PendingEvent
    reason: str


@dataclass(slots=True)
class BatchPlan:
    """Everything one batch writes; `objects` holds only the last state per key."""

    applied: list[int] = field(default_factory=list)
    outcomes: list[EventOutcome] = field(default_factory=list)
    rejected: list[RejectedEvent] = field(default_factory=list)
    messages: list[OutboxMessage] = field(default_factory=list)
    latest: dict[ObjectKey, BusinessObject] = field(default_factory=dict)

    @property
    def objects(self) -> list[BusinessObject]:
        return list(self.latest.values())


def references_of(record: CanonicalModel) -> list[str | None]:
    """The keys a validated record names, one per field `REFERENCES` lists for its kind,
    in that order (None for a field left empty, which names nothing)."""
    read = _KEYS_OF.get(record.SCHEMA_NAME)
    if read is None:
        return []
    found = read(record)
    return list(found) if isinstance(found, tuple) else [found]


def _named(event: PendingEvent) -> list[Reference]:
    """The references of `event`: its stored keys with the fields and kinds they name
    (an event logged before a field joined `REFERENCES` names nothing in that field)."""
    if not event.references:
        return []
    keys = zip(_RULES.get(event.business_kind, ()), event.references, strict=False)
    return [(name, target, key) for (name, target), key in keys if key is not None]


def plan_batch(
    claimed: Sequence[PendingEvent], load_versions: VersionLoader, now: datetime
) -> BatchPlan:
    """Walk the batch in log order, keeping the applied version per key up to date, so
    a later event in the same batch is judged against an earlier one's effect.

    The outgoing messages, which do not depend on applied versions, are built before
    `load_versions` is called: with several workers that call takes the apply lock, and
    the work under it should be short.
    """
    stamp = now.isoformat()
    messages = [applied_message(event, stamp) for event in claimed]
    named = [_named(event) for event in claimed]
    versions = load_versions({(target, key) for refs in named for _, target, key in refs})
    plan = BatchPlan()
    for event, message, refs in zip(claimed, messages, named, strict=True):
        key = (event.business_kind, event.business_key)
        applied_version = versions.get(key)
        if applied_version is not None and event.business_version < applied_version:
            reason = f"version {event.business_version} is older than applied {applied_version}"
            plan.outcomes.append(EventOutcome(event.seq, EventStatus.STALE, reason))
            continue
        missing = [ref for ref in refs if (ref[1], ref[2]) not in versions]
        if missing:
            problem = _unknown_references(event.business_kind, missing)
            plan.outcomes.append(EventOutcome(event.seq, EventStatus.QUARANTINED, problem))
            plan.rejected.append(RejectedEvent(event, problem))
            continue
        versions[key] = event.business_version
        plan.applied.append(event.seq)
        plan.latest[key] = BusinessObject(*key, event.business_version, event.data, event.seq)
        plan.messages.append(message)
    return plan


def applied_message(event: PendingEvent, stamp: str) -> OutboxMessage:
    """The CloudEvent announcing an applied change, its `data` the event's canonical data
    as stored; its id derives from the inbound event, so reprocessing after a crash
    yields the same id and the broker dedups it."""
    effect_id = effect_id_for(event.source, event.event_id)
    effect_type, quoted_type = _effect_type(event.type)
    envelope = (
        f'{{"specversion":"1.0","id":"{effect_id}","source":"{HUB_SOURCE}",'
        f'"type":{quoted_type},"subject":{_quoted(event.business_key)},'
        f'"time":"{stamp}","datacontenttype":"application/json","data":{event.data}}}'
    )
    return OutboxMessage(effect_id, effect_type, HUB_SOURCE, envelope, event.business_key)


def effect_id_for(source: str, event_id: str) -> str:
    """`uuid5(_EFFECT_NAMESPACE, source + US + event_id)` as text, computed on the hex
    digest: the same ids as `uuid.uuid5` at a third of the cost, which counts per event."""
    h = hashlib.sha1(_NAMESPACE_BYTES + f"{source}\x1f{event_id}".encode()).hexdigest()
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


@lru_cache(maxsize=256)
def _effect_type(event_type: str) -> tuple[str, str]:
    prefix, _, version = event_type.rpartition(".")
    effect_type = f"{prefix}.applied.{version}" if prefix else f"{event_type}.applied"
    return effect_type, json.dumps(effect_type)


def _quoted(text: str) -> str:
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json.dumps(text)


def _unknown_references(kind: str, missing: Sequence[Reference]) -> str:
    named = "; ".join(
        f"{field} {value!r} (no {target} with that id has been applied)"
        for field, target, value in missing
    )
    return f"unknown reference: {kind} names {named}"
