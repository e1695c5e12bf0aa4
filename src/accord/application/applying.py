"""Deciding what a batch of pending events does: apply, skip as stale, or quarantine.

Pure logic over the claimed events and the versions already applied, so it is tested
without a database and the worker only has to write the plan in one transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from accord.application.ports import (
    BusinessObject,
    EventOutcome,
    EventStatus,
    OutboxMessage,
    PendingEvent,
)

ReferenceRules = Mapping[str, Mapping[str, str]]
"""Per business kind: data field -> kind of the record that field must name."""

ObjectKey = tuple[str, str]
VersionLoader = Callable[[set[ObjectKey]], dict[ObjectKey, str]]

HUB_SOURCE = "/accord/event-log"
_EFFECT_NAMESPACE = uuid.UUID("5f1d3f0e-2b7c-4c55-9a51-0c6a3f1e9d42")


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


def plan_batch(
    claimed: Sequence[PendingEvent],
    load_versions: VersionLoader,
    references: ReferenceRules,
    now: datetime,
) -> BatchPlan:
    """Walk the batch in log order, keeping the applied version per key up to date, so
    a later event in the same batch is judged against an earlier one's effect."""
    decoded = [_decode(event.payload) for event in claimed]
    wanted: set[ObjectKey] = set()
    for event, data in zip(claimed, decoded, strict=True):
        wanted.update(_references_of(event.business_kind, data, references))
    versions = load_versions(wanted)
    plan = BatchPlan()
    stamp = now.isoformat()
    for event, data in zip(claimed, decoded, strict=True):
        key = (event.business_kind, event.business_key)
        applied_version = versions.get(key)
        if applied_version is not None and event.business_version < applied_version:
            reason = f"version {event.business_version} is older than applied {applied_version}"
            plan.outcomes.append(EventOutcome(event.seq, EventStatus.STALE, reason))
            continue
        problem = _reference_problem(event.business_kind, data, references, versions)
        if problem is not None:
            plan.outcomes.append(EventOutcome(event.seq, EventStatus.QUARANTINED, problem))
            plan.rejected.append(RejectedEvent(event, problem))
            continue
        versions[key] = event.business_version
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        plan.applied.append(event.seq)
        plan.latest[key] = BusinessObject(*key, event.business_version, body, event.seq)
        plan.messages.append(applied_message(event, body, stamp))
    return plan


def applied_message(event: PendingEvent, body: str, stamp: str) -> OutboxMessage:
    """The CloudEvent announcing an applied change; its id derives from the inbound
    event, so reprocessing after a crash yields the same id and the broker dedups it."""
    effect_id = str(uuid.uuid5(_EFFECT_NAMESPACE, f"{event.source}\x1f{event.event_id}"))
    prefix, _, version = event.type.rpartition(".")
    effect_type = f"{prefix}.applied.{version}" if prefix else f"{event.type}.applied"
    envelope = (
        f'{{"specversion":"1.0","id":"{effect_id}","source":"{HUB_SOURCE}",'
        f'"type":{json.dumps(effect_type)},"subject":{json.dumps(event.business_key)},'
        f'"time":"{stamp}","datacontenttype":"application/json","data":{body}}}'
    )
    return OutboxMessage(effect_id, effect_type, HUB_SOURCE, envelope, event.business_key)


def _decode(payload: str) -> dict[str, Any]:
    envelope = json.loads(payload)
    data = envelope.get("data") if isinstance(envelope, dict) else None
    return data if isinstance(data, dict) else {}


def _references_of(
    kind: str, data: Mapping[str, Any], references: ReferenceRules
) -> set[ObjectKey]:
    rules = references.get(kind, {})
    return {(target, data[field]) for field, target in rules.items() if field in data}


def _reference_problem(
    kind: str,
    data: Mapping[str, Any],
    references: ReferenceRules,
    versions: Mapping[ObjectKey, str],
) -> str | None:
    missing = [
        f"{field} {data[field]!r} (no {target} with that id has been applied)"
        for field, target in references.get(kind, {}).items()
        if field in data and (target, data[field]) not in versions
    ]
    if not missing:
        return None
    return f"unknown reference: {kind} names " + "; ".join(missing)
