"""CloudEvents envelope: wrap and unwrap canonical records, refuse bad input clearly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from accord.canonical.envelope import CloudEvent, parse_event
from accord.canonical.errors import MalformedEvent, PayloadTooLarge, UnknownEventType
from accord.canonical.registry import (
    ALL_MODELS,
    dataschema_for,
    event_type_for,
    model_for,
    model_for_event_type,
)
from accord.canonical.v1 import TimeEntry

ENTRY = TimeEntry.model_validate(
    {
        "id": "T1",
        "contract": "K1",
        "term": "TM",
        "resource": "R1",
        "date": "2026-01-05",
        "hours": "8",
    }
)
AT = datetime(2026, 1, 6, 9, 30, tzinfo=UTC)


def wire(**changes: Any) -> dict[str, Any]:
    event = CloudEvent.wrap(ENTRY, source="urn:accord:psa", id="evt-1", time=AT)
    document: dict[str, Any] = json.loads(event.to_json())
    document.update(changes)
    return {key: value for key, value in document.items() if value is not None}


def test_wrap_fills_the_cloudevents_attributes() -> None:
    event = CloudEvent.wrap(ENTRY, source="urn:accord:psa", id="evt-1", time=AT)

    assert json.loads(event.to_json()) == {
        "specversion": "1.0",
        "id": "evt-1",
        "source": "urn:accord:psa",
        "type": "accord.time_entry.v1",
        "subject": "T1",
        "time": "2026-01-06T09:30:00Z",
        "datacontenttype": "application/json",
        "dataschema": "schemas/time_entry/v1.json",
        "data": json.loads(ENTRY.to_json()),
    }
    assert "description" not in event.data, "empty fields are left out"


@pytest.mark.parametrize(
    "record",
    [
        ENTRY,
        TimeEntry.model_validate(ENTRY.model_dump() | {"description": "Zürich \u2013 „Workshop“"}),
        model_for("contract", 1).model_validate(
            {
                "id": "K1", "customer": "C1", "entity": "DE01", "currency": "EUR",
                "start": "2026-01-01", "terms": [{
                    "type": "time_and_materials", "id": "TM",
                    "rates": [{"role": "consultant", "rate": "150.00", "from": "2026-01-01"}],
                }],
            }
        ),
    ],
)  # fmt: skip
def test_wrap_json_is_wrap_with_the_record_encoded_once(record: Any) -> None:
    event, data = CloudEvent.wrap_json(record, source="urn:accord:psa", id="evt-1", time=AT)

    wrapped = CloudEvent.wrap(record, source="urn:accord:psa", id="evt-1", time=AT)
    assert event == wrapped.to_json()
    assert data == record.to_json()
    assert type(record).model_validate_json(data) == record


def test_parsed_event_gives_back_the_same_record() -> None:
    event = parse_event(json.dumps(wire()).encode())

    assert event.payload() == ENTRY


def test_wrap_without_id_generates_distinct_ids() -> None:
    first = CloudEvent.wrap(ENTRY, source="psa")
    second = CloudEvent.wrap(ENTRY, source="psa")

    assert first.id != second.id and first.time is not None


def test_extension_attributes_are_kept_and_odd_names_refused() -> None:
    event = parse_event(json.dumps(wire(traceparent="00-abc-def-01")))

    assert (event.model_extra or {})["traceparent"] == "00-abc-def-01"
    with pytest.raises(MalformedEvent, match="extension names"):
        parse_event(json.dumps(wire(**{"Trace-Parent": "x"})))


def test_bad_json_is_reported_as_such() -> None:
    with pytest.raises(MalformedEvent, match="not valid JSON"):
        parse_event(b"{not json")
    with pytest.raises(MalformedEvent, match="JSON object"):
        parse_event("[1, 2]")


def test_missing_envelope_fields_are_named() -> None:
    document = wire()
    del document["source"], document["id"]

    with pytest.raises(MalformedEvent) as error:
        parse_event(json.dumps(document))

    assert {problem.path for problem in error.value.problems} == {"source", "id"}


def test_wrong_types_in_data_are_named_with_their_path() -> None:
    data = {**wire()["data"], "hours": 8.0, "billable": "maybe"}

    with pytest.raises(MalformedEvent) as error:
        parse_event(json.dumps(wire(data=data)))

    assert {problem.path for problem in error.value.problems} == {"data.hours", "data.billable"}
    assert "data.hours" in str(error.value)


def test_unknown_event_type_lists_the_known_ones() -> None:
    with pytest.raises(UnknownEventType) as error:
        parse_event(json.dumps(wire(type="accord.time_entry.v9")))

    assert "accord.time_entry.v9" in str(error.value)
    assert "time_entry v1" in str(error.value)


def test_oversized_event_is_refused_before_parsing() -> None:
    raw = json.dumps(wire())

    with pytest.raises(PayloadTooLarge, match="limit"):
        parse_event(raw, max_bytes=len(raw) - 1)
    with pytest.raises(PayloadTooLarge):
        parse_event(" " * (256 * 1024 + 1))
    assert parse_event(raw, max_bytes=len(raw)).id == "evt-1"


def test_payload_raises_validation_error_with_paths() -> None:
    event = CloudEvent.model_validate(wire(data={**wire()["data"], "hours": "-1"}))

    with pytest.raises(ValidationError) as error:
        event.payload()

    assert error.value.errors()[0]["loc"] == ("hours",)


def test_registry_round_trips_every_model() -> None:
    names = [model.SCHEMA_NAME for model in ALL_MODELS]

    assert len(names) == len(set(names)) == 14
    for model in ALL_MODELS:
        assert model_for_event_type(event_type_for(model)) is model
        assert model_for(model.SCHEMA_NAME, model.SCHEMA_VERSION) is model
        assert dataschema_for(model) == f"schemas/{model.SCHEMA_NAME}/v1.json"
    with pytest.raises(KeyError, match="known"):
        model_for("time_entry", 2)
    with pytest.raises(UnknownEventType):
        model_for_event_type("com.example.time_entry")
