"""The Workday worker mapping: the shipped file, and what a broken firm mapping is told."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from accord.connectors.workday.mapping import MappingError, RecordNotMapped, worker_mapping

WORKER = {
    "id": "wid1",
    "workerId": "E001",
    "descriptor": "Grace Hopper",
    "jobProfile": {"id": "principal"},
    "jobHistory": [
        {"company": {"id": "US01"}, "effectiveDate": "2024-03-01", "endDate": "2025-02-28"},
        {"company": {"id": "DE01"}, "effectiveDate": "2025-03-01", "endDate": None},
    ],
    "costRates": [{"effectiveDate": "2024-03-01", "amount": "80.25", "currency": {"id": "USD"}}],
    "lastUpdated": "2026-01-05T09:00:00Z",
}


def test_the_shipped_mapping_reads_history_rates_and_update_date() -> None:
    resource = worker_mapping(None).map_worker(WORKER)

    assert [(e.entity, e.to) for e in resource.employment] == [
        ("US01", dt.date(2025, 2, 28)),
        ("DE01", None),
    ]
    assert [(str(r.rate), r.currency) for r in resource.cost_rates] == [("80.25", "USD")]
    assert resource.updated_at == dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


def test_overlapping_employment_is_not_mapped_and_names_the_worker() -> None:
    overlapping = {**WORKER, "jobHistory": [{**j, "endDate": None} for j in WORKER["jobHistory"]]}

    with pytest.raises(RecordNotMapped, match="worker wid1"):
        worker_mapping(None).map_worker(overlapping)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"record": "customer", "fields": {"id": "x"}}, "record: resource"),
        ({"record": "resource", "fields": {}}, "JMESPath"),
        ({"record": "resource", "fields": {"id": "workerId[["}}, "field 'id'"),
    ],
)
def test_a_broken_mapping_is_refused_with_what_to_fix(document: dict, problem: str) -> None:
    with pytest.raises(MappingError, match=problem):
        worker_mapping(document)


def test_a_missing_mapping_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"absent\.yaml"):
        worker_mapping(tmp_path / "absent.yaml")


def test_a_value_the_resource_refuses_names_the_field_and_its_expression() -> None:
    fields = {"id": "workerId", "name": "length(descriptor)"}
    mapping = worker_mapping({"record": "resource", "fields": fields})

    with pytest.raises(RecordNotMapped) as raised:
        mapping.map_worker(WORKER)

    assert "worker wid1" in str(raised.value)
    assert "field 'name' (expression 'length(descriptor)')" in str(raised.value)
