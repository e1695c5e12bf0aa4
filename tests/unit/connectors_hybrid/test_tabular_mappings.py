"""Mapping files as data: validated at load, naming file, key, field and expression."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from accord.canonical.v1 import LedgerPosting, PostingLine, TimeEntry
from accord.connectors.filedrop import MAPPINGS as FILE_MAPPINGS
from accord.connectors.sdk.tabular import (
    MappingFileError,
    RecordNotMapped,
    RowRejected,
    inbound_mapping,
    outbound_mapping,
)
from accord.connectors.sql import MAPPINGS as SQL_MAPPINGS

TIME = {
    "record": "time_entry",
    "columns": [{"name": "hours", "type": "decimal"}, {"name": "day", "type": "date"}],
    "fields": {
        "id": "entry",
        "contract": "'C-1'",
        "term": "'tm'",
        "resource": "person",
        "date": "day",
        "hours": "hours",
    },
}


def _time(**overrides: Any) -> dict[str, Any]:
    return {**TIME, **overrides}


@pytest.mark.parametrize(
    "path",
    sorted([*FILE_MAPPINGS.glob("*.yaml"), *SQL_MAPPINGS.glob("*.yaml")]),
    ids=lambda path: path.name,
)
def test_every_shipped_mapping_is_valid(path: Path) -> None:
    document = path.read_text(encoding="utf-8")
    loader = outbound_mapping if "\nrecord: ledger_posting" in document else inbound_mapping
    assert loader(path).kind


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_time(record="timesheet"), "record: unknown canonical record 'timesheet'"),
        (_time(fields={"hours": "hours", "minutes": "m"}), "fields.minutes: time_entry has no"),
        (_time(fields={"hours": "sum(hours"}), "fields.hours: expression 'sum(hours'"),
        (_time(columns=[{"name": "hours", "type": "float"}]), "columns.0.type: Input should be"),
        (_time(colums=[]), "colums: Extra inputs are not permitted"),
        (_time(file={"format": "fixed"}), "columns.0 (hours): a fixed-width file needs start"),
    ],
)
def test_a_bad_mapping_names_its_key(document: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingFileError, match="inline mapping") as raised:
        inbound_mapping(document)

    assert message in str(raised.value)


def test_a_mapping_file_that_is_not_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "time.yaml"
    path.write_text("record: [time_entry\n", encoding="utf-8")

    with pytest.raises(MappingFileError, match=f"mapping {path}: not valid YAML"):
        inbound_mapping(path)


def test_a_row_maps_to_its_typed_canonical_record() -> None:
    mapping = inbound_mapping(TIME)

    record = mapping.map_row(
        {"entry": "T-1", "person": "R-7", "hours": " 7.50 ", "day": "2026-03-02"}, "t.csv line 2"
    )

    assert record == TimeEntry(
        id="T-1",
        contract="C-1",
        term="tm",
        resource="R-7",
        date=dt.date(2026, 3, 2),
        hours=Decimal("7.50"),
    )


def test_a_row_is_rejected_whole_with_every_problem_named() -> None:
    mapping = inbound_mapping(TIME)

    with pytest.raises(RowRejected) as raised:
        mapping.map_row({"entry": "T-1", "person": "", "hours": "-1", "day": "2026-03-02"}, "x")

    assert str(raised.value) == (
        "x: field 'resource' (expression 'person'): String should have at least 1 character; "
        "field 'hours' (expression 'hours'): Input should be greater than or equal to 0"
    )


def test_an_expression_that_fails_on_a_row_names_field_and_expression() -> None:
    mapping = inbound_mapping(_time(fields={**TIME["fields"], "id": "join('-', [entry, line])"}))

    with pytest.raises(RowRejected, match=r"x: field 'id' \(expression \"join\('-', \[entry, "):
        mapping.map_row({"entry": "T-1", "line": 3, "hours": "1", "day": "2026-03-02"}, "x")


def test_an_outbound_mapping_writes_one_row_per_line() -> None:
    mapping = outbound_mapping(FILE_MAPPINGS / "journal-export.yaml")
    posting = LedgerPosting(
        document_number="INV-1",
        entity="DE01",
        posting_date=dt.date(2026, 3, 31),
        currency="EUR",
        lines=[
            PostingLine(account="1200", debit=Decimal("10.00")),
            PostingLine(account="8400", credit=Decimal("10.00")),
        ],
    )

    rows = mapping.rows(posting)

    assert [(r["line"], r["account"], r["debit"], r["credit"]) for r in rows] == [
        (1, "1200", "10.00", "0"),
        (2, "8400", "0", "10.00"),
    ]
    with pytest.raises(RecordNotMapped, match="maps ledger_posting records, not TimeEntry"):
        mapping.rows(
            inbound_mapping(TIME).map_row(
                {"entry": "T", "person": "R", "hours": "1", "day": "2026-03-02"}, "x"
            )
        )
