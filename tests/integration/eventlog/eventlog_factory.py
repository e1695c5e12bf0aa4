"""Raw CloudEvents for event-log tests: contracts, resources and time-entry revisions."""

from __future__ import annotations

import json
from typing import Any

CONTRACT_ID = "K1"
RESOURCE_ID = "R1"


def cloud_event(event_id: str, event_type: str, data: dict[str, Any], source: str = "psa") -> str:
    return json.dumps(
        {"specversion": "1.0", "id": event_id, "source": source, "type": event_type, "data": data}
    )


def master_data() -> list[str]:
    """The contract and resource every generated time entry refers to."""
    contract = {
        "id": CONTRACT_ID,
        "customer": "C1",
        "entity": "DE01",
        "currency": "EUR",
        "start": "2026-01-01",
    }
    resource = {"id": RESOURCE_ID, "name": "Ada Lovelace", "role": "senior-consultant"}
    return [
        cloud_event("contract-K1", "accord.contract.v1", contract, source="clm"),
        cloud_event("resource-R1", "accord.resource.v1", resource, source="hr"),
    ]


def time_entry(entry: int, revision: int = 1, hours: str | None = None) -> str:
    """Revision `revision` of time entry `entry`; later revisions carry more hours."""
    data = {
        "id": f"TE-{entry}",
        "contract": CONTRACT_ID,
        "term": "TM",
        "resource": RESOURCE_ID,
        "date": "2026-03-02",
        "hours": hours or f"{revision}.5",
        "version": revision,
    }
    return cloud_event(f"te-{entry}-r{revision}", "accord.time_entry.v1", data)


def time_entries(count: int, revisions: int = 1) -> list[str]:
    """`count` entries, each with `revisions` revisions, in delivery (version) order."""
    return [
        time_entry(entry, revision)
        for entry in range(count)
        for revision in range(1, revisions + 1)
    ]
