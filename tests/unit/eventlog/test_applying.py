"""Batch planning: stale versions, in-batch ordering and unknown references."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from accord.application.applying import effect_id_for, plan_batch
from accord.application.ports import EventStatus, PendingEvent

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def _event(seq: int, key: str, version: str, contract: str = "K1") -> PendingEvent:
    data = json.dumps({"id": key, "contract": contract, "hours": version})
    references = (contract, None)  # its contract; no resource
    return PendingEvent(
        seq, "psa", f"e{seq}", "accord.time_entry.v1", key, "time_entry", key, version, data,
        references,
    )  # fmt: skip


def test_older_version_than_applied_is_stale_and_newer_in_same_batch_wins() -> None:
    applied = {("time_entry", "TE-1"): "2", ("contract", "K1"): "1"}
    batch = [_event(1, "TE-1", "1"), _event(2, "TE-1", "3"), _event(3, "TE-1", "2")]

    plan = plan_batch(batch, lambda _keys: dict(applied), NOW)

    assert plan.applied == [2]
    assert [(o.seq, o.status) for o in plan.outcomes] == [
        (1, EventStatus.STALE),
        (3, EventStatus.STALE),
    ]
    [state] = plan.objects
    assert (state.version, json.loads(state.data)["hours"]) == ("3", "3")
    [message] = plan.messages
    assert message.type == "accord.time_entry.applied.v1" and message.subject == "TE-1"


def test_unknown_contract_is_rejected_and_effect_ids_are_deterministic() -> None:
    batch = [_event(1, "TE-1", "1", contract="K9"), _event(2, "TE-2", "1")]
    versions = {("contract", "K1"): "1"}

    first = plan_batch(batch, lambda _keys: dict(versions), NOW)
    again = plan_batch(batch, lambda _keys: dict(versions), NOW)

    [rejected] = first.rejected
    assert rejected.event.seq == 1 and "contract 'K9'" in rejected.reason
    assert first.applied == [2]
    assert [m.event_id for m in first.messages] == [m.event_id for m in again.messages]


def test_effect_ids_are_the_uuid5_of_the_inbound_identity() -> None:
    # Ids published before must stay the same, or the broker's dedup window breaks.
    namespace = uuid.UUID("5f1d3f0e-2b7c-4c55-9a51-0c6a3f1e9d42")
    for source, event_id in [("psa", "te-1"), ("urn:x/ü", "sha256:ab"), ("s", str(uuid.uuid4()))]:
        expected = uuid.uuid5(namespace, f"{source}\x1f{event_id}")
        assert effect_id_for(source, event_id) == str(expected)
