"""JSON Schema export: committed files are current, closed, and describe the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from accord.canonical.jsonschema import (
    DIALECT,
    export_schemas,
    render,
    schema_of,
    stale_schemas,
)
from accord.canonical.registry import ALL_MODELS
from accord.canonical.v1 import Invoice, TimeEntry

REPO_SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"


def walk_objects(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found.extend(walk_objects(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(walk_objects(item))
    return found


def test_committed_schemas_match_the_code() -> None:
    stale = stale_schemas(REPO_SCHEMAS)

    assert not stale, f"run `accord schema export` and commit: {[str(p) for p in stale]}"


def test_export_writes_one_file_per_model_and_keeps_other_versions(tmp_path: Path) -> None:
    older = tmp_path / "time_entry" / "v0.json"
    older.parent.mkdir()
    older.write_text("{}")

    written = export_schemas(tmp_path)

    assert len(written) == len(ALL_MODELS)
    assert (tmp_path / "time_entry" / "v1.json") in written
    assert older.read_text() == "{}"
    assert stale_schemas(tmp_path) == []


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda model: model.SCHEMA_NAME)
def test_schema_is_valid_2020_12_and_closed_everywhere(model: Any) -> None:
    schema = schema_of(model)

    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DIALECT
    assert schema["$id"] == f"schemas/{model.SCHEMA_NAME}/v{model.SCHEMA_VERSION}.json"
    for obj in walk_objects(schema):
        if "properties" in obj:
            assert obj["additionalProperties"] is False, obj.get("title")


def test_model_output_validates_and_bad_documents_do_not() -> None:
    entry = TimeEntry.model_validate(
        {
            "id": "T1",
            "contract": "K1",
            "term": "TM",
            "resource": "R1",
            "date": "2026-01-05",
            "hours": "7.50",
        }
    )
    validator = jsonschema.Draft202012Validator(
        schema_of(TimeEntry), format_checker=jsonschema.FormatChecker()
    )
    document = json.loads(entry.model_dump_json())

    assert list(validator.iter_errors(document)) == []
    assert not validator.is_valid({**document, "hours": 7.5})
    assert not validator.is_valid({**document, "hours": "7,5"})
    assert not validator.is_valid({**document, "overtime": True})
    assert not validator.is_valid({key: v for key, v in document.items() if key != "resource"})


def test_invoice_schema_closes_nested_lines() -> None:
    validator = jsonschema.Draft202012Validator(schema_of(Invoice))
    line = {
        "kind": "time",
        "description": "dev",
        "quantity": "1",
        "unit_price": "1",
        "net": "1",
        "tax_category": "S",
        "tax_rate": "0",
        "colour": "red",
    }
    document = {
        "id": "D1",
        "kind": "invoice",
        "type_code": "380",
        "contract": "K1",
        "customer": "C1",
        "entity": "DE01",
        "currency": "EUR",
        "issue_date": "2026-01-31",
        "lines": [line],
        "net_total": "1",
        "tax_total": "0",
        "gross_total": "1",
    }

    errors = list(validator.iter_errors(document))

    assert [list(error.absolute_path) for error in errors] == [["lines", 0]]
    assert "colour" in errors[0].message


def test_render_is_stable() -> None:
    assert render(schema_of(TimeEntry)) == render(schema_of(TimeEntry))
    assert render(schema_of(TimeEntry)).endswith("}\n")
